"""What the machine provides: font roles (fontconfig), the cache folder, whole-file writes, the
clock, and where the program's data (designs, role map) lives."""
