# audio/dev.mk
