"""TEMPORARY stub until the redaction module lands."""
import re


def redact(text):
    text = re.sub(r"[\w.+-]+@[\w-]+\.[\w.]+", "[email]", text)
    return re.sub(r"\+?\d[\d ()-]{8,}\d", "[phone]", text)
def strip_control(text):
    return "".join(c if c in "\n\t" or c.isprintable() else " " for c in text)
