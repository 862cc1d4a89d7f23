// The translation unit that carries the tests' precompiled header (cmake/DreichorPch.cmake).
