/// What kind of resource an agent touched. Values and spelling are the seed's.
public enum ResourceType: String, DomainWord, Hashable, Codable {
    case code = "CODE"
    case documentation = "DOCUMENTATION"
    case data = "DATA"
    case research = "RESEARCH"
    case generated = "GENERATED"

    public static let kindName = "resource type"
}
