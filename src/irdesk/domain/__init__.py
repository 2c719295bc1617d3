"""Pure domain logic: no file, network or database access in any module below."""
