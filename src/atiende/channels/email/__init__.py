"""The email driver: parsing, detection, threading, the intake pipeline and delivery."""
