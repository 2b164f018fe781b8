print("prioritizer")
