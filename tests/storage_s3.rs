//! The S3 provider of `synapse::storage` against moto_server (scripts/moto.sh).
