# src/base.mk
