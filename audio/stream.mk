# audio/stream.mk
