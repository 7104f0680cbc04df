# src/sip.mk
