# audio/codec.mk
