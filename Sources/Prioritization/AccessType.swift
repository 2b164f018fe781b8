/// How an agent touched a resource. Values and spelling are the seed's.
public enum AccessType: String, DomainWord, Hashable, Codable {
    case view = "VIEW"
    case edit = "EDIT"
    case execute = "EXECUTE"
    case reference = "REFERENCE"

    public static let kindName = "access type"
}
