// The translation unit that carries the services' precompiled header (cmake/DreichorPch.cmake).
