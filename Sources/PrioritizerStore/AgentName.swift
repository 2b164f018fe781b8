/// The rule for agent names, wherever an agent is created: over RESP (AGENT.CREATE) and on the
/// command line (`prioritizer agent create`). 1 to 64 letters, digits, `.`, `_` or `-`, so a name
/// is safe in AUTH lines, logs and `--json` output; `default` is reserved, because
/// `AUTH default token` means "whoever owns the token"; and no name starts with the token prefix,
/// so a token pasted where a name belongs never comes back in an error reply or a log line.
public enum AgentName {
    public static let maxBytes = 64

    /// Why `name` is not a valid agent name; nil when it is.
    public static func problem(with name: some Collection<UInt8>) -> String? {
        let allowed = name.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, (1...maxBytes).contains(name.count) else {
            return "invalid agent name, use 1 to \(maxBytes) letters, digits, '.', '_' or '-'"
        }
        let text = String(decoding: Array(name), as: UTF8.self)
        if text.lowercased() == "default" { return "agent name 'default' is reserved" }
        if text.hasPrefix(AgentToken.prefix) { return "agent names may not start with '\(AgentToken.prefix)', the token prefix" }
        return nil
    }
}
