"""Printed and filed views: chart images and the board pack (PDF and one HTML file).
`python -m reports board-pack --user U --out F.pdf`."""
