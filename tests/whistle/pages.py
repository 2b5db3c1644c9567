"""How a reporter's browser talks to the intake, for the client tests."""

import io
import re

from PIL import Image


def hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    return match.group(1) if match else ""


def form_data(**changes) -> dict:
    data = {
        "categories": ["SEC", "COR"],
        "country": "CD",
        "province": "CD-IT",
        "place": "Mongbwalu",
        "what_happened": "The commander of the roadblock at Mongbwalu takes a tax on gold.",
        "incident_date": "2026-09-14",
        "date_precision": "month",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def send_report(client, data: dict, token: str | None = None, **headers):
    if token is None:
        token = hidden(client.get("/report/", **headers), "submission")
    # A browser follows the redirect to the receipt page (POST-redirect-GET).
    return client.post("/report/", {**data, "submission": token}, follow=True, **headers)


def send_again(client, response, data: dict, **headers):
    """Send the form back as the page shows it: same submission, the kept files' draft."""
    data = {k: v for k, v in data.items() if k != "attachments"}
    token = {"submission": hidden(response, "submission"), "draft": hidden(response, "draft")}
    return client.post("/report/", {**data, **token}, follow=True, **headers)


def receipt_of(response) -> str:
    match = re.search(r'id="receipt">([^<]+)<', response.content.decode())
    assert match, "no receipt on the page"
    return match.group(1)


def jpeg_with_gps(name: str = "photo.jpg") -> io.BytesIO:
    """A real JPEG carrying a camera make and GPS coordinates in its EXIF."""
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "WitnessPhone"  # Make
    exif[0x8825] = {1: "S", 2: (1.0, 30.0, 0.0), 3: "E", 4: (29.0, 15.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    out.seek(0)
    out.name = name
    return out


def open_mailbox(client, receipt: str):
    return client.post("/follow-up/", {"receipt": receipt}, follow=True)
