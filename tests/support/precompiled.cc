// The translation unit that compiles tests/support/precompiled.h into the precompiled header
// every test executable reuses; it defines nothing.
