# src/ua.mk
