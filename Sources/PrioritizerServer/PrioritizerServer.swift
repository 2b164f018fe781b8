// The RESP server lives here (issue 4).
