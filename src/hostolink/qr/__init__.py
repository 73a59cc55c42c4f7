"""Payment QR codes: signed payloads, static and dynamic codes, images, decoding."""
