import Prioritization
import PrioritizerStore
/// SESSION.*, TRACK, PRIORITIZE, IMPORTANCE, TOP, TOKENS, TOKENS.ESTIMATE, METRICS.
enum SessionCommandDeclarations {
    static let all: [CommandDeclaration] = [
        sessionCreate, sessionGet, sessionList, sessionClose, track, prioritize, importance, top, tokens,
        tokensEstimate, metrics, link,
    ]

    private static let writers: Set<AgentRole> = [.admin, .agent]

    static let sessionCreate = CommandDeclaration(
        "session.create", arity: -1, flags: [.write], roles: writers, group: "session",
        summary: "Open a session, optionally starting from a copy of a parent session; answers its id.",
        syntax: "SESSION.CREATE [BUDGET tokens] [LABEL text] [HALFLIFE seconds] [ENCODING o200k_base|cl100k_base] [PARENT session]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = CreateSessionRequest()
        while let option = try reader.option() {
            switch option {
            case "BUDGET": request.budget = try reader.count("BUDGET")
            case "LABEL": request.label = try reader.text("LABEL", maxBytes: CommandLimits.maxLabelBytes)
            case "HALFLIFE":
                request.halfLifeSeconds = try reader.double(
                    "HALFLIFE", in: CommandLimits.minHalfLifeSeconds...CommandLimits.maxHalfLifeSeconds)
            case "ENCODING": request.encoding = try reader.encoding()
            case "PARENT": request.parent = try reader.sessionID()
            default: throw .syntax
            }
        }
        return .sessionCreate(request)
    }

    static let sessionGet = CommandDeclaration(
        "session.get", arity: 2, flags: [.readonly], group: "session",
        summary: "A session's id, label, budget, half-life, parent, agent, creation time, state and counts.",
        syntax: "SESSION.GET session"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        .sessionGet(try reader.sessionID())
    }

    static let sessionList = CommandDeclaration(
        "session.list", arity: -1, flags: [.readonly], group: "session",
        summary: "The organization's session ids, newest first.", syntax: "SESSION.LIST [LIMIT n]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var limit = Int64(CommandLimits.defaultSessionListLimit)
        while let option = try reader.option() {
            guard option == "LIMIT" else { throw .syntax }
            limit = try reader.count("LIMIT")
        }
        return .sessionList(limit: limit)
    }

    static let sessionClose = CommandDeclaration(
        "session.close", arity: 2, flags: [.write], roles: writers, group: "session",
        summary: "Close a session; later TRACKs into it are refused.", syntax: "SESSION.CLOSE session"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        .sessionClose(try reader.sessionID())
    }

    static let track = CommandDeclaration(
        "track", arity: -5, flags: [.write], roles: writers, group: "tracking",
        summary: "Record an access to a resource; answers its access count once committed.",
        syntax: "TRACK session path type access [SIZE bytes] [TOKENS n] [CONTENT text] [MODIFIED] [AT unix-ms]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = TrackRequest(
            session: try reader.sessionID(), path: try reader.path(),
            type: try reader.resourceType(), access: try reader.accessType())
        while let option = try reader.option() {
            switch option {
            case "SIZE": request.size = try reader.count("SIZE")
            case "TOKENS": request.tokens = try reader.count("TOKENS")
            case "CONTENT": request.content = try reader.byteArray()
            case "MODIFIED": request.modified = true
            case "AT": request.at = try reader.timestamp()
            default: throw .syntax
            }
        }
        return .track(request)
    }

    static let prioritize = CommandDeclaration(
        "prioritize", arity: -3, flags: [.write], group: "prioritization",
        summary: "Choose the resources that carry the most importance within the budget (readers: DRYRUN only).",
        syntax: "PRIORITIZE session budget [STRATEGY optimal|density|greedy] [RESERVE tokens] [PROMPT text] [LIMIT n] [AT unix-ms] [DRYRUN] [RELATED 0|1]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = PrioritizeRequest(session: try reader.sessionID(), budget: try reader.count("budget"))
        while let option = try reader.option() {
            switch option {
            case "STRATEGY": request.strategy = try reader.strategy()
            case "RESERVE": request.reserve = try reader.count("RESERVE")
            case "PROMPT": request.prompt = try reader.byteArray()
            case "LIMIT": request.limit = try reader.count("LIMIT")
            case "AT": request.at = try reader.timestamp()
            case "DRYRUN": request.dryRun = true
            case "RELATED": request.related = try reader.flag("RELATED")
            default: throw .syntax
            }
        }
        return .prioritize(request)
    }

    static let importance = CommandDeclaration(
        "importance", arity: -3, flags: [.readonly], group: "prioritization",
        summary: "A resource's importance now (or AT a time), null if never tracked.",
        syntax: "IMPORTANCE session path [AT unix-ms]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = ImportanceRequest(session: try reader.sessionID(), path: try reader.path())
        while let option = try reader.option() {
            guard option == "AT" else { throw .syntax }
            request.at = try reader.timestamp()
        }
        return .importance(request)
    }

    static let top = CommandDeclaration(
        "top", arity: -2, flags: [.readonly], group: "prioritization",
        summary: "The most important resources of a session, as PRIORITIZE entries.",
        syntax: "TOP session [LIMIT n] [AT unix-ms] [RELATED 0|1]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = TopRequest(session: try reader.sessionID())
        while let option = try reader.option() {
            switch option {
            case "LIMIT": request.limit = try reader.count("LIMIT")
            case "AT": request.at = try reader.timestamp()
            case "RELATED": request.related = try reader.flag("RELATED")
            default: throw .syntax
            }
        }
        return .top(request)
    }

    static let tokens = CommandDeclaration(
        "tokens", arity: -2, flags: [.readonly], group: "tokens",
        summary: "The exact token count of a text, as tiktoken's encode_ordinary.",
        syntax: "TOKENS text [ENCODING o200k_base|cl100k_base]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = TokensRequest(text: try reader.byteArray())
        while let option = try reader.option() {
            guard option == "ENCODING" else { throw .syntax }
            request.encoding = try reader.encoding()
        }
        return .tokens(request)
    }

    static let tokensEstimate = CommandDeclaration(
        "tokens.estimate", arity: -3, flags: [.readonly], group: "tokens",
        summary: "The token estimate used when only a resource's size is known.",
        syntax: "TOKENS.ESTIMATE bytes type [PATH path]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = TokenEstimateRequest(bytes: try reader.count("bytes"), type: try reader.resourceType())
        while let option = try reader.option() {
            guard option == "PATH" else { throw .syntax }
            request.path = try reader.path()
        }
        return .tokensEstimate(request)
    }

    static let link = CommandDeclaration(
        "link", arity: -4, flags: [.write], roles: writers, group: "prioritization",
        summary: "Relate two resources in the session's organization (an import, a test and its code), as co-access does.",
        syntax: "LINK session pathA pathB [WEIGHT w] [AT unix-ms]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = LinkRequest(session: try reader.sessionID(), path: try reader.path(), relatedPath: try reader.path())
        guard request.path != request.relatedPath else { throw CommandError("LINK needs two different paths") }
        while let option = try reader.option() {
            switch option {
            case "WEIGHT": request.weight = try reader.double("WEIGHT", in: CommandLimits.minLinkWeight...CommandLimits.maxLinkWeight)
            case "AT": request.at = try reader.timestamp()
            default: throw .syntax
            }
        }
        return .link(request)
    }

    static let metrics = CommandDeclaration(
        "metrics", arity: -2, flags: [.readonly], group: "prioritization",
        summary: "The session's report: markdown, json, or one self-contained html page.", syntax: "METRICS session [FORMAT markdown|json|html]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = MetricsRequest(session: try reader.sessionID())
        while let option = try reader.option() {
            guard option == "FORMAT" else { throw .syntax }
            request.format = try reader.word("format", ReportFormat.init(word:))
        }
        return .metrics(request)
    }
}
