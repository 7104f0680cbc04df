# src/net.mk
