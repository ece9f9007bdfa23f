"""Masking of personal data for integrations (API.md: `138****5678`, `z***@example.com`)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits_kept_front, digits_kept_back = 3, 4
    if len(phone) <= digits_kept_front + digits_kept_back:
        return "*" * len(phone)
    hidden = len(phone) - digits_kept_front - digits_kept_back
    return phone[:digits_kept_front] + "*" * hidden + phone[-digits_kept_back:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_name(name: str | None) -> str | None:
    """Chinese personal names: the family name stays (张*, 欧阳**)."""
    if not name:
        return name
    return name[:1] + "*" * (len(name) - 1)
