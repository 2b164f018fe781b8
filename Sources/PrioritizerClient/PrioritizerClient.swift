// The Swift RESP client lives here (issue 4).
