//! Pre-annotation: a project's tasks annotated from a file of their data units, or by inference.
