"""Thin front ends that translate between a stream and the engine."""
