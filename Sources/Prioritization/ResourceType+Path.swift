extension ResourceType {
    /// The type the seed's editor integration (`getResourceTypeFromPath`) gave a path, from its
    /// extension, with the table extended to today's common languages and formats.
    ///
    /// - Source code, scripts, build files and stylesheets → `CODE`.
    /// - Structured data and configuration (json, yaml, toml, csv, sql dumps, lock files…) → `DATA`.
    /// - Prose and markup (md, txt, rst, adoc, html…) → `DOCUMENTATION`.
    /// - Anything else, including no extension, → `DOCUMENTATION`, as the seed did: an unknown
    ///   file is most often text a human wrote (LICENSE, Makefile-like notes, logs), and the
    ///   DOCUMENTATION bytes-per-token estimate (4.0) sits between code's and data's, so a wrong
    ///   guess costs least there.
    ///
    /// `RESEARCH` and `GENERATED` are never inferred: no extension tells them apart; clients say so.
    /// The match is case-insensitive and looks at the last path component only, so dots in
    /// directory names do not count. A few extension-less names with a well-known role
    /// (`Makefile`, `Dockerfile`, …) count as code.
    public init(path: some StringProtocol) {
        let name = Self.lastComponent(of: path).lowercased()
        if Self.codeFileNames.contains(name) {
            self = .code
            return
        }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            self = .documentation
            return
        }
        let ext = String(name[name.index(after: dot)...])
        if Self.codeExtensions.contains(ext) {
            self = .code
        } else if Self.dataExtensions.contains(ext) {
            self = .data
        } else {
            self = .documentation
        }
    }

    private static func lastComponent(of path: some StringProtocol) -> Substring {
        let text = Substring(path)
        guard let slash = text.lastIndex(where: { $0 == "/" || $0 == "\\" }) else { return text }
        return text[text.index(after: slash)...]
    }

    static let codeFileNames: Set<String> = [
        "makefile", "dockerfile", "rakefile", "gemfile", "justfile", "cmakelists.txt", "build.gradle",
        "package.swift", "vagrantfile", "procfile",
    ]

    static let codeExtensions: Set<String> = [
        // The seed's list.
        "js", "jsx", "ts", "tsx", "py", "java", "c", "cpp", "h", "hpp", "cs", "go", "rb", "php",
        "swift", "kt", "rs", "scala", "sh",
        // Extended.
        "mjs", "cjs", "mts", "cts", "pyi", "cc", "cxx", "hh", "hxx", "m", "mm", "kts", "groovy",
        "clj", "cljs", "ex", "exs", "erl", "hrl", "hs", "ml", "mli", "fs", "fsx", "lua", "pl", "pm",
        "r", "jl", "dart", "zig", "nim", "v", "sv", "vhd", "asm", "s", "bash", "zsh", "fish", "ps1",
        "bat", "cmd", "vue", "svelte", "css", "scss", "sass", "less", "sql", "proto", "thrift",
        "graphql", "gql", "cmake", "gradle", "mk", "nix", "tf", "hcl", "elm", "purs", "sol", "wasm",
        "wat", "cu", "metal", "glsl", "hlsl", "f90", "pas", "d", "cr", "vim", "el", "lisp", "scm",
    ]

    static let dataExtensions: Set<String> = [
        // The seed's list.
        "json", "yaml", "yml", "xml", "csv", "tsv",
        // Extended.
        "toml", "ini", "cfg", "conf", "properties", "env", "lock", "jsonl", "ndjson", "json5",
        "parquet", "avro", "plist", "pbtxt", "geojson", "ipynb", "db", "sqlite", "lst", "dat",
    ]
}
