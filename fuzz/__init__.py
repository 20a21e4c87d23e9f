"""The fuzz harness: hostile values in every field of the spec, and mutated examples (see docs/fuzzing.md)."""
