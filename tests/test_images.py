"""An event's cover and a club's logo (issue #12): what is stored is only the
picture's pixels (no EXIF, no GPS), whatever the upload's name says; bad
files are refused with a translated 422, large ones with a translated 413;
only the club's organisers (covers) and owners (logos) and admins may change
them; the files are served from our origin with long cache headers."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from hrdebate.extensions import db
from hrdebate.images import keys, processing, services
from hrdebate.models import Club, Event
from tests.conftest import _empty_database, _prepare_schema, make_test_app
from tests.helpers import count_queries, fetch

BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
LAT, LON = (42, 52, 30), (74, 36, 15)  # somewhere in Bishkek


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path, IMAGE_FOLDER=str(tmp_path / "images"))
    _prepare_schema(app)
    yield app
    _empty_database(app)


@pytest.fixture
def folder(app):
    return Path(app.config["IMAGE_FOLDER"])


def stored(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# -- pictures made here, as a phone or a careless person would send them --------------------

def jpeg_with_gps(size=(2000, 1000)):
    """A photo taken with the phone on its side (EXIF orientation 6: turn
    it 90° clockwise to see it upright): left half red, right half blue; it
    says where and with what it was taken."""
    picture = Image.new("RGB", size, (220, 0, 0))
    picture.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretPhone"
    exif[ExifTags.Base.ImageDescription] = "Safe house courtyard"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LAT
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = LON
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=exif, comment=b"taken at the safe house")
    return out.getvalue()


def png_bytes(size=(300, 300), mode="RGBA", colour=(0, 128, 0, 128), **options):
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG", **options)
    return out.getvalue()


def bomb(size=(30000, 30000)):
    """A small file that decodes to 900 million pixels."""
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


def animated(fmt):
    frames = [Image.new("RGB", (200, 100), colour) for colour in ((0, 200, 0), (200, 0, 0))]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b'<script>alert(document.cookie)</script></svg>')
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


# -- people and places ----------------------------------------------------------------------

@pytest.fixture
def world(make_user, make_club, make_event):
    owner = make_user("owner")
    organiser = make_user("organiser")
    club = make_club(owner=owner, organisers=[organiser], slug="osh", name="Osh Debaters")
    other = make_user("stranger_org")
    make_club(owner=make_user("other_owner"), organisers=[other], slug="naryn")
    make_user("citizen")
    make_user("admin", site_role="admin")
    event = make_event(club, title="Clean river")
    return {"club": club, "event": event}


def upload(client, url, data, filename="photo.jpg", content_type="image/jpeg"):
    """A browser's multipart POST, built in memory (the test client would
    spool a large one to a temporary file it never closes)."""
    fields = {"csrf_token": client.csrf_token(),
              "image": FileStorage(io.BytesIO(data), filename, content_type=content_type)}
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def cover_url(event):
    return f"/events/{event.id}/cover"


def served(client, name, **kwargs):
    """The answer, read whole and closed (it streams a file)."""
    with client.get(f"/images/{name}", **kwargs) as response:
        response.get_data()
        return response


# -- what is stored ------------------------------------------------------------------------

def test_a_cover_keeps_only_the_upright_pixels(app, client, auth, world, folder, english):
    auth.login("organiser")
    response = upload(client, cover_url(world["event"]), jpeg_with_gps())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{world['event'].id}/edit#cover-image")
    key = fetch(app, Event, id=world["event"].id).cover_image
    # Turned upright (portrait), fitted into 1200 x 1200, never named as uploaded.
    assert re.fullmatch(r"[0-9a-f]{32}-600x1200", key)
    names = stored(folder)
    assert sorted(n for n, _w, _h in keys.variants(key, keys.COVER)) == names
    assert len(names) == 2 and not any("photo" in n for n in names)  # 600 and 480 wide
    for name in names:
        data = (folder / name).read_bytes()
        for secret in (b"Exif", b"SecretPhone", b"Safe house", b"safe house", b"GPS", b"XMP"):
            assert secret not in data, (name, secret)
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "WEBP" and picture.mode == "RGB"
        assert not picture.getexif() and "exif" not in picture.info
        assert "icc_profile" not in picture.info and "xmp" not in picture.info
        # Upright: red (the photo's left) is now on top, blue below.
        width, height = picture.size
        red, blue = picture.getpixel((width // 2, height // 5)), picture.getpixel((width // 2, 4 * height // 5))
        assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]
    assert (folder / f"{key}.webp").stat().st_size < 40_000


def test_the_sizes_of_a_cover_and_a_logo(app, world):
    with app.app_context():
        cover = processing.encode(jpeg_with_gps((4000, 3000)), keys.COVER, 50_000_000, 78)
        logo = processing.encode(png_bytes((1000, 500)), keys.LOGO, 50_000_000, 78)
        small = processing.encode(png_bytes((40, 30)), keys.LOGO, 50_000_000, 78)
    assert [(w, h) for _n, w, h in keys.variants(cover.key, keys.COVER)] == \
        [(900, 1200), (800, 1067), (480, 640)]
    assert [(w, h) for _n, w, h in keys.variants(logo.key, keys.LOGO)] == [(256, 128), (96, 48)]
    # A small picture is never enlarged, and has no smaller copies.
    assert [(w, h) for _n, w, h in keys.variants(small.key, keys.LOGO)] == [(40, 30)]


def test_a_transparent_logo_lies_on_white(app, client, auth, world, folder):
    auth.login("owner")
    response = upload(client, "/clubs/osh/logo", png_bytes(colour=(0, 0, 0, 0)), "logo.png",
                      "image/png")
    assert response.status_code == 302
    key = fetch(app, Club, slug="osh").logo_image
    assert key.endswith("-256x256")
    picture = Image.open(folder / f"{key}.webp")
    assert picture.mode == "RGB" and picture.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_picture_keeps_its_first_frame(app, client, auth, world, folder, fmt):
    auth.login("organiser")
    assert upload(client, cover_url(world["event"]), animated(fmt), "a.png").status_code == 302
    key = fetch(app, Event, id=world["event"].id).cover_image
    picture = Image.open(folder / f"{key}.webp")
    assert getattr(picture, "n_frames", 1) == 1
    red, green, _blue = picture.getpixel((5, 5))
    assert green > 150 > red



def test_a_colour_profile_is_applied_then_dropped(app, world):
    """A photo with its own colour profile (a phone's Display P3 is one):
    its pixels are converted to sRGB, the profile is not stored."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, profile, b"not a profile"):
        out = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "JPEG", icc_profile=icc)
        with app.app_context():
            encoded = processing.encode(out.getvalue(), keys.LOGO, 50_000_000, 78)
        (data,) = encoded.files.values()
        picture = Image.open(io.BytesIO(data))
        assert "icc_profile" not in picture.info and picture.mode == "RGB"

# -- what is refused ---------------------------------------------------------------------

REFUSED = [
    ("svg", SVG, "This file is not a JPEG, PNG or WebP image."),
    ("html", HTML, "This file is not a JPEG, PNG or WebP image."),
    ("gif", None, "This file is not a JPEG, PNG or WebP image."),
    ("empty", b"", "Please choose an image file."),
    ("truncated", None, "This image is damaged or incomplete."),
    ("bomb", None, "This image has too many pixels (more than 50 megapixels)."),
    ("bomb-warning", None, "This image has too many pixels (more than 50 megapixels)."),
]


def _refused_data(name, data):
    if name == "gif":
        out = io.BytesIO()
        Image.new("RGB", (50, 50)).save(out, "GIF")
        return out.getvalue()
    if name == "truncated":
        return jpeg_with_gps()[:6000]
    if name == "bomb":
        return bomb()
    if name == "bomb-warning":  # between Pillow's warning (50 MP) and its error (100 MP)
        return bomb((9000, 9000))
    return data


@pytest.mark.parametrize("name, data, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_file_that_is_not_a_picture_we_take_is_refused(app, client, auth, world, folder,
                                                         english, name, data, message):
    """Named .jpg and sent as image/jpeg: the content decides."""
    auth.login("organiser")
    response = upload(client, cover_url(world["event"]), _refused_data(name, data))
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert fetch(app, Event, id=world["event"].id).cover_image is None
    assert stored(folder) == []


def test_no_file_chosen_is_refused(client, auth, world, english):
    auth.login("organiser")
    response = client.post_form(cover_url(world["event"]), {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Please choose an image file." in response.text


def test_refusals_are_translated(client, auth, world):
    """In Russian, the page around the sentence is Russian (the sentence
    itself comes from the catalogue the lead compiles)."""
    client.set_cookie("lang", "ru")
    auth.login("organiser")
    response = upload(client, cover_url(world["event"]), SVG)
    assert response.status_code == 422
    assert '<html lang="ru">' in response.text


def test_a_file_over_the_limit_gets_the_translated_413_page(app, client, auth, world, folder,
                                                            english):
    """6 MB: over the whole request's limit, refused before the view."""
    auth.login("organiser")
    data = jpeg_with_gps() + b"\0" * (6 * 1024 * 1024)
    response = upload(client, cover_url(world["event"]), data)
    assert response.status_code == 413
    assert "This image is larger than 5 MB. Please choose a smaller one." in response.text
    assert stored(folder) == []
    client.set_cookie("lang", "ru")
    response = upload(client, cover_url(world["event"]), data)
    assert response.status_code == 413 and '<html lang="ru">' in response.text


def test_a_file_just_over_the_image_limit_gets_413_on_its_form(app, client, auth, world, folder,
                                                               english):
    """Under the request's limit, over the image's: the upload page says so."""
    auth.login("organiser")
    data = jpeg_with_gps() + b"\0" * (5 * 1024 * 1024)
    assert len(data) < app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, cover_url(world["event"]), data)
    assert response.status_code == 413
    assert "This image is larger than 5 MB." in response.text
    assert 'id="cover-file"' in response.text
    assert stored(folder) == []


def test_the_413_answer_reads_the_rest_of_the_body(app):
    """So that the server can send the page instead of resetting a
    connection whose body is still arriving."""
    from werkzeug.test import EnvironBuilder

    body = b"x" * (6 * 1024 * 1024)
    builder = EnvironBuilder(path="/events/1/cover", method="POST", data=body,
                             content_type="multipart/form-data; boundary=b",
                             base_url="http://localhost/")
    environ = builder.get_environ()
    stream = environ["wsgi.input"]
    statuses = []
    b"".join(app(environ, lambda status, headers, *a: statuses.append(status)))
    assert statuses[0].startswith("413")
    assert stream.tell() == len(body)


def test_other_forms_keep_working_under_the_request_limit(app, client, auth, world):
    """The whole request's limit follows the image's: a big text is refused
    by its own rules, not by a dropped connection."""
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024 + 256 * 1024
    auth.login("organiser")
    response = client.post_form(f"/events/{world['event'].id}/edit", {"title": "x" * 400_000})
    assert response.status_code == 422


# -- who may ------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    (None, 302), ("citizen", 403), ("stranger_org", 403), ("owner", 302), ("organiser", 302),
    ("admin", 302)])
def test_who_may_upload_and_remove_a_cover(app, client, auth, world, folder, who, status):
    event = world["event"]
    if who:
        auth.login(who)
    response = upload(client, cover_url(event), png_bytes())
    assert response.status_code == status
    key = fetch(app, Event, id=event.id).cover_image
    if who is None:
        assert "/auth/login" in response.headers["Location"]
    assert (key is not None) == (status == 302 and who is not None)
    for url in (cover_url(event), cover_url(event) + "/delete"):
        assert client.get(url).status_code == {302: 200}.get(status, status) if who else 302
    response = client.post_form(cover_url(event) + "/delete")
    assert response.status_code == status
    if who and status == 302:
        assert fetch(app, Event, id=event.id).cover_image is None
        assert stored(folder) == []


def test_a_draft_cover_is_hidden_from_others(app, client, auth, world, make_event):
    draft = make_event(world["club"], status="draft")
    auth.login("citizen")
    assert upload(client, cover_url(draft), png_bytes()).status_code == 404
    assert client.get(cover_url(draft) + "/delete").status_code == 404


@pytest.mark.parametrize("who, status", [
    (None, 302), ("citizen", 403), ("stranger_org", 403), ("organiser", 403), ("owner", 302),
    ("admin", 302)])
def test_who_may_upload_and_remove_a_logo(app, client, auth, world, folder, who, status):
    """Those who edit the club (its owners, admins), as the club's edit page."""
    if who:
        auth.login(who)
    response = upload(client, "/clubs/osh/logo", png_bytes(), "logo.png", "image/png")
    assert response.status_code == status
    assert (fetch(app, Club, slug="osh").logo_image is not None) == (status == 302 and bool(who))
    response = client.post_form("/clubs/osh/logo/delete")
    assert response.status_code == status
    assert fetch(app, Club, slug="osh").logo_image is None
    if who and status == 302:
        assert stored(folder) == []
    assert client.get("/clubs/nowhere/logo").status_code in (302, 404)


# -- replacing, removing, deleting: no file left behind --------------------------------------

def test_a_replaced_cover_leaves_no_old_file(app, client, auth, world, folder):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), png_bytes())
    first = set(stored(folder))
    upload(client, cover_url(world["event"]), jpeg_with_gps())
    key = fetch(app, Event, id=world["event"].id).cover_image
    assert set(stored(folder)) == {n for n, _w, _h in keys.variants(key, keys.COVER)}
    assert not first & set(stored(folder))


def test_a_refused_replacement_keeps_the_old_cover(app, client, auth, world, folder):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), png_bytes())
    before = stored(folder)
    assert upload(client, cover_url(world["event"]), HTML).status_code == 422
    assert stored(folder) == before


def test_files_written_by_a_transaction_that_does_not_commit_are_deleted(app, world, folder):
    with app.test_request_context():
        event = db.session.get(Event, world["event"].id)
        services.set_event_cover(event, png_bytes())
        assert len(stored(folder)) == 1
        db.session.rollback()
        assert stored(folder) == []
        assert db.session.get(Event, world["event"].id).cover_image is None


def test_removing_twice_is_harmless(app, client, auth, world):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), png_bytes())
    for _ in range(2):
        assert client.post_form(cover_url(world["event"]) + "/delete").status_code == 302


def test_a_deleted_event_takes_its_files_with_it(app, client, auth, world, folder):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), png_bytes())
    assert stored(folder)
    with app.app_context():
        db.session.delete(db.session.get(Event, world["event"].id))
        db.session.flush()
        assert stored(folder)  # not before the commit
        db.session.commit()
    assert stored(folder) == []


def test_prune_deletes_files_nobody_names(app, client, auth, world, folder, runner):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), png_bytes())
    kept = stored(folder)
    orphan = "0" * 32 + "-10x10.webp"
    (folder / orphan).write_bytes(b"x")
    (folder / "README").write_text("not ours")
    result = runner.invoke(args=["images", "prune", "--older-than", "0"])
    assert "1 files deleted." in result.output
    assert stored(folder) == sorted(kept + ["README"])


# -- serving -------------------------------------------------------------------------------

def _first_file(app, world):
    key = fetch(app, Event, id=world["event"].id).cover_image
    return keys.variants(key, keys.COVER)[0][0]


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_stored_picture_is_served_for_a_year(app, client, auth, world, signed_in):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), jpeg_with_gps())
    name = _first_file(app, world)
    if not signed_in:
        auth.logout()
        client.delete_cookie("hrdebate_session")
    response = served(client, name)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]
    # Nothing personal: no cookie set on an answer a proxy may keep. (Flask
    # adds "Vary: Cookie" as Flask-Login reads the session after every
    # request, static files' too.)
    assert "Set-Cookie" not in response.headers
    assert Image.open(io.BytesIO(response.data)).format == "WEBP"
    again = served(client, name, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("name", [
    "0" * 32 + "-10x10.webp", "..%2Fconfig.py", "secret_key", "x.webp", "0" * 32 + "-10x10.svg"])
def test_no_other_file_is_served(client, name):
    assert served(client, name).status_code == 404


# -- the pages -----------------------------------------------------------------------------

def _img(html, css_class):
    match = re.search(r'<img class="%s"[^>]*>' % css_class, html)
    return match and match.group(0)


def test_the_event_page_shows_the_cover_without_layout_shift(app, client, auth, world, english):
    auth.login("organiser")
    upload(client, cover_url(world["event"]), jpeg_with_gps())
    auth.logout()
    html = client.get(f"/events/{world['event'].id}").text
    img = _img(html, "event-cover")
    assert 'width="600" height="1200"' in img and 'alt=""' in img
    assert "srcset=" in img and "480w" in img and "600w" in img and "sizes=" in img
    assert 'loading="lazy"' not in img  # above the fold
    for url in re.findall(r"(/images/[^ ,\"]+)", img):
        assert served(client, url.removeprefix("/images/")).status_code == 200


def test_the_club_pages_show_the_logo(app, client, auth, world):
    auth.login("owner")
    upload(client, "/clubs/osh/logo", png_bytes(), "logo.png", "image/png")
    auth.logout()
    page = client.get("/clubs/osh").text
    assert 'alt="Osh Debaters"' in _img(page, "club-logo")
    card = _img(client.get("/clubs/").text, "club-logo-small")
    assert 'loading="lazy"' in card and 'width="96" height="96"' in card and 'alt=""' in card


def test_the_upload_forms_work_without_javascript(client, auth, world, english):
    auth.login("owner")
    for url, action in ((f"/events/{world['event'].id}/edit", cover_url(world["event"])),
                        ("/clubs/osh/edit", "/clubs/osh/logo")):
        html = client.get(url).text
        form = re.search(r'<form method="post" action="%s"[^>]*>' % re.escape(action), html).group(0)
        assert 'enctype="multipart/form-data"' in form and "data-hx-post" not in form
        assert 'data-hx-boost="false"' in form
        assert 'type="file"' in html and 'accept="image/jpeg,image/png,image/webp"' in html
    # The removal asks first (a page), then a plain POST.
    upload(client, cover_url(world["event"]), png_bytes())
    page = client.get(cover_url(world["event"]) + "/delete")
    assert page.status_code == 200 and "Remove the cover" in page.text


def test_a_new_event_form_has_no_upload_yet(client, auth, world):
    auth.login("organiser")
    assert 'type="file"' not in client.get("/events/new?club=osh").text


def test_pictures_cost_no_query_and_pages_stay_within_budget(app, client, auth, world,
                                                             make_club, make_event):
    for n in range(15):
        make_event(make_club(slug=f"c{n}"), starts_in=timedelta(days=n + 1))
    urls = [f"/events/{world['event'].id}", "/clubs/", "/clubs/osh", "/events/"]

    def measure():
        sizes, queries = {}, {}
        for url in urls:
            with count_queries(app) as statements:
                with client.get(url, headers={"Accept-Encoding": BROWSER_ENCODINGS}) as response:
                    assert response.status_code == 200
                    sizes[url] = len(response.get_data())
            queries[url] = len(statements)
        return sizes, queries

    sizes, queries = measure()
    auth.login("owner")
    upload(client, cover_url(world["event"]), jpeg_with_gps())
    upload(client, "/clubs/osh/logo", png_bytes(), "logo.png", "image/png")
    with app.app_context():
        key = db.session.get(Club, world["club"].id).logo_image
        for club in db.session.scalars(db.select(Club)):
            club.logo_image = key
        db.session.commit()
    auth.logout()
    client.delete_cookie("hrdebate_session")
    with_pictures, queries_after = measure()
    assert queries_after == queries
    for url in urls:
        assert with_pictures[url] <= 20 * 1024, url
        assert with_pictures[url] - sizes[url] < 1024, url



def test_uploads_are_limited_per_account(tmp_path):
    """Decoding costs CPU: the third upload in the hour goes back to the page
    it was sent from, with the sentence saying how long to wait (ratelimits.py);
    nothing is stored."""
    import uuid

    from tests.factories import PASSWORD, Rows

    app = make_test_app(tmp_path, IMAGE_FOLDER=str(tmp_path / "images"), RATELIMIT_ENABLED=True,
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                        RATELIMIT_IMAGE_UPLOAD="2 per hour")
    _prepare_schema(app)
    try:
        rows = Rows(app)
        owner = rows.user("owner")
        event = rows.event(rows.club(owner=owner, slug="osh"))
        client = app.test_client()
        client.set_cookie("lang", "en")
        client.post_form("/auth/login", {"username": "owner", "password": PASSWORD})
        for _ in range(2):
            assert upload(client, cover_url(event), png_bytes()).status_code == 302
        before = stored(tmp_path / "images")
        response = upload(client, cover_url(event), png_bytes())
        assert response.status_code == 303
        assert stored(tmp_path / "images") == before
        assert "You are sending too quickly" in client.get(response.headers["Location"]).text
    finally:
        _empty_database(app)
