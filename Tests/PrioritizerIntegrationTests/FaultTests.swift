import Testing

/// The fault tests (SIGKILL, database outage, connection load) each put heavy load on the machine:
/// they run one after another, beside the rest of the suite, so that together they do not starve
/// the suite's time-sensitive tests.
@Suite("Faults", .serialized) enum FaultTests {}
