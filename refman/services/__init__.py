"""Library operations used by both faces (GUI and command line)."""
