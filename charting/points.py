"""The acupoint catalogue and the diagrams it is drawn on: one source for the map, the searchable list and the checks.

Four views: the face from the front, the face in left and right three-quarter view, and a simple body from the
front. Each point is placed once, on the front face (or the body), as seen by the practitioner facing the client:
the client's left side is on the right of the picture. The three-quarter views are computed from the front
positions by turning a simple head model, so a point lands on the same spot of the face in every view and is
hidden where the turned face hides it. Coordinates are SVG user units of each view's ``viewBox``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

LEFT, RIGHT, MIDLINE = "L", "R", ""
SIDE_LABELS = {LEFT: "left", RIGHT: "right", MIDLINE: ""}

FACE_FRONT, FACE_LEFT, FACE_RIGHT, BODY = "front", "left", "right", "body"
VIEWS = {FACE_FRONT: "Face, front", FACE_LEFT: "Face, left three-quarter", FACE_RIGHT: "Face, right three-quarter",
         BODY: "Body, front"}
FACE_VIEWS = (FACE_FRONT, FACE_LEFT, FACE_RIGHT)
VIEW_SIZE = {FACE_FRONT: (200, 260), FACE_LEFT: (200, 260), FACE_RIGHT: (200, 260), BODY: (200, 400)}

# The head is turned this far for a three-quarter view (the standard photo pose is 30-45 degrees).
TURN_DEGREES = 35
CENTRE_X = 100


@dataclass(frozen=True)
class Point:
    code: str  # the canonical code, stored in maps: "ST3", "DU24", "Yintang"
    name: str  # pinyin and, where it helps, what it is: "Juliao (great bone-hole)"
    region: str  # "face" or "body"
    x: float  # front position: distance from the midline towards the client's left (0: on the midline)
    y: float
    aliases: tuple[str, ...] = ()  # other codes practitioners write: "GV24" for DU24, "Bitong"

    @property
    def bilateral(self) -> bool:
        return self.x != 0

    @property
    def sides(self) -> tuple[str, ...]:
        return (RIGHT, LEFT) if self.bilateral else (MIDLINE,)

    @property
    def label(self) -> str:
        also = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.code}{also} {self.name}"


def _face(code: str, name: str, x: float, y: float, *aliases: str) -> Point:
    return Point(code, name, "face", x, y, aliases)


def _body(code: str, name: str, x: float, y: float, *aliases: str) -> Point:
    return Point(code, name, "body", x, y, aliases)


# Front face: eyes at y 112, nose tip 150, mouth 180, chin 236; the face is about 126 wide at the cheekbones.
POINTS: tuple[Point, ...] = (
    _face("DU24", "Shenting (at the front hairline)", 0, 52, "GV24"),
    _face("ST8", "Touwei (corner of the forehead)", 44, 60),
    _face("GB14", "Yangbai (above the eyebrow)", 26, 82),
    _face("Yintang", "Yintang (between the eyebrows)", 0, 99),
    _face("BL2", "Zanzhu (inner end of the eyebrow)", 12, 97),
    _face("Yuyao", "Yuyao (middle of the eyebrow)", 27, 93),
    _face("SJ23", "Sizhukong (outer end of the eyebrow)", 42, 96, "TE23"),
    _face("Taiyang", "Taiyang (temple)", 54, 100),
    _face("BL1", "Jingming (inner corner of the eye)", 10, 111),
    _face("GB1", "Tongziliao (outer corner of the eye)", 45, 112),
    _face("ST1", "Chengqi (below the pupil, on the eye socket)", 26, 123),
    _face("Qiuhou", "Qiuhou (outer part of the lower eye socket)", 37, 121),
    _face("ST2", "Sibai (below the eye socket)", 26, 133),
    _face("Bitong", "Bitong, Shangyingxiang (top of the nasolabial groove)", 10, 134, "Shangyingxiang"),
    _face("SI19", "Tinggong (in front of the ear)", 61, 128),
    _face("ST7", "Xiaguan (below the cheekbone arch)", 56, 138),
    _face("SI18", "Quanliao (below the cheekbone)", 41, 145, "Quanliao"),
    _face("LI20", "Yingxiang (beside the nostril)", 14, 148),
    _face("ST3", "Juliao (below the cheekbone, level with the nostril)", 27, 152),
    _face("DU26", "Shuigou, Renzhong (the groove above the lip)", 0, 164, "GV26", "Renzhong"),
    _face("ST4", "Dicang (beside the corner of the mouth)", 22, 181),
    _face("ST6", "Jiache (in the jaw muscle, above the angle of the jaw)", 49, 192, "Jiache"),
    _face("REN24", "Chengjiang (under the lower lip)", 0, 199, "CV24"),
    _face("Jiachengjiang", "Jiachengjiang (beside the chin)", 14, 205),
    _face("ST5", "Daying (on the jaw, in front of the jaw muscle)", 36, 213),
    # Body, front: client's left on the right of the picture; the arms hang, palms forward.
    _body("DU20", "Baihui (top of the head)", 0, 17, "GV20"),
    _body("REN12", "Zhongwan (middle of the upper belly)", 0, 150, "CV12"),
    _body("ST25", "Tianshu (beside the navel)", 16, 178),
    _body("REN6", "Qihai (below the navel)", 0, 190, "CV6"),
    _body("REN4", "Guanyuan (lower belly)", 0, 201, "CV4"),
    _body("LI11", "Quchi (outer end of the elbow crease)", 50, 142),
    _body("LU7", "Lieque (thumb side of the forearm, above the wrist)", 52, 190),
    _body("PC6", "Neiguan (inner forearm, above the wrist)", 45, 200),
    _body("LI4", "Hegu (between thumb and first finger)", 53, 228),
    _body("ST36", "Zusanli (below the knee, outside the shin)", 25, 304),
    _body("SP9", "Yinlingquan (below the knee, inside)", 10, 300),
    _body("SP6", "Sanyinjiao (inside of the leg, above the ankle)", 10, 348),
    _body("KI3", "Taixi (behind the inner ankle)", 11, 368),
    _body("LV3", "Taichong (top of the foot)", 15, 386, "LR3"),
)

BY_CODE: dict[str, Point] = {p.code: p for p in POINTS}
# Any way a practitioner writes a code (any case, GV or DU, pinyin names) -> the canonical code.
_LOOKUP: dict[str, str] = {}
for _p in POINTS:
    for _alias in (_p.code, *_p.aliases):
        _LOOKUP[_alias.lower()] = _p.code


def canonical_code(text: str) -> str | None:
    """The catalogue's code for ``text`` ("gv24", "DU 24", "Bitong"), or None if it is not a known point."""
    return _LOOKUP.get("".join(str(text).split()).lower())


# -- local needles: lines and wrinkles, needled along a line rather than at a point ------------------------

@dataclass(frozen=True)
class Region:
    key: str
    label: str
    line: tuple[tuple[float, float], ...]  # on the front face, in front coordinates (x towards the client's left)


REGIONS: tuple[Region, ...] = (
    Region("forehead", "Forehead lines", ((-30, 70), (0, 67), (30, 70))),
    Region("glabella", "Frown lines (between the brows)", ((-5, 88), (-4, 100), (4, 100), (5, 88))),
    Region("crows_feet_r", "Crow's feet, right", ((-50, 106), (-55, 113), (-50, 120))),
    Region("crows_feet_l", "Crow's feet, left", ((50, 106), (55, 113), (50, 120))),
    Region("under_eye_r", "Under the eye, right", ((-36, 128), (-26, 130), (-16, 127))),
    Region("under_eye_l", "Under the eye, left", ((16, 127), (26, 130), (36, 128))),
    Region("nasolabial_r", "Nasolabial fold, right", ((-16, 140), (-22, 158), (-25, 174))),
    Region("nasolabial_l", "Nasolabial fold, left", ((16, 140), (22, 158), (25, 174))),
    Region("marionette_r", "Marionette line, right", ((-24, 186), (-26, 198), (-27, 210))),
    Region("marionette_l", "Marionette line, left", ((24, 186), (26, 198), (27, 210))),
    Region("jawline_r", "Jawline, right", ((-52, 200), (-42, 218), (-24, 230))),
    Region("jawline_l", "Jawline, left", ((52, 200), (42, 218), (24, 230))),
    Region("lips", "Around the lips", ((-18, 172), (0, 170), (18, 172))),
)
REGION_BY_KEY = {r.key: r for r in REGIONS}


# -- the head model and the three-quarter projection ----------------------------------------------------------

# (y, half-width, depth) of the head from the crown to the chin; the depth is how far the face stands in front
# of the turning axis. Interpolated between the rows.
_PROFILE = ((22, 0, 0), (24, 18, 18), (29, 31, 30), (40, 45, 45), (55, 55, 58), (75, 61, 66), (100, 63, 70),
            (125, 62, 70), (150, 57, 68), (175, 50, 63), (195, 42, 56), (212, 32, 48), (226, 20, 40),
            (234, 9, 36), (237, 0, 34))


def _profile(y: float) -> tuple[float, float]:
    rows = _PROFILE
    if y <= rows[0][0]:
        return 0.0, 0.0
    for (y0, w0, d0), (y1, w1, d1) in zip(rows, rows[1:], strict=False):
        if y <= y1:
            t = (y - y0) / (y1 - y0)
            t = t * t * (3 - 2 * t)  # smoothstep: no corners at the rows
            return w0 + (w1 - w0) * t, d0 + (d1 - d0) * t
    return 0.0, rows[-1][2]


def _nose(x: float, y: float) -> float:
    """How far the nose stands out of the face at (x, y)."""
    if not 100 <= y <= 166 or abs(x) > 14:
        return 0.0
    along = (y - 100) / 50 if y <= 150 else 1 - (y - 150) / 16
    return 18 * along * max(0.0, 1 - abs(x) / 14)


def _surface(x: float, y: float) -> tuple[float, float, float]:
    """A front point on the head: (x, depth, how squarely the surface faces forward, as a unit normal's x)."""
    w, d = _profile(y)
    w = max(w, 1.0)
    ratio = min(abs(x) / w, 1.0)
    z = d * math.sqrt(1 - ratio * ratio) + _nose(x, y)
    # The normal of the ellipse (x/w)^2 + (z/d)^2 = 1 at that point.
    nx, nz = x / (w * w), max(z, 0.1) / max(d * d, 1.0)
    length = math.hypot(nx, nz)
    return z, nx / length, nz / length


def project(view: str, x: float, y: float) -> tuple[float, float] | None:
    """Where a front position (x from the midline towards the client's left) is drawn in ``view``, or None
    when the turned face hides it. Left three-quarter: the client's left cheek faces the viewer."""
    if view == FACE_FRONT:
        return round(CENTRE_X + x, 1), round(y, 1)
    angle = math.radians(TURN_DEGREES if view == FACE_LEFT else -TURN_DEGREES)
    z, nx, nz = _surface(x, y)
    facing = nx * math.sin(angle) + nz * math.cos(angle)
    if facing < 0.2:  # turned away (or seen so edge-on that a mark there would mislead)
        return None
    # Turning the head to show the left cheek moves the nose towards the viewer's left.
    turned = x * math.cos(angle) - z * math.sin(angle)
    return round(CENTRE_X + turned, 1), round(y, 1)


@dataclass(frozen=True)
class Spot:
    """One marker of a point in one view: a point has one per side it is on."""

    code: str
    side: str
    x: float
    y: float

    @property
    def key(self) -> str:
        return f"{self.code}:{self.side}" if self.side else self.code


def spots(view: str) -> list[Spot]:
    """The markers of every catalogue point visible in ``view``."""
    return _spots(view)


@cache
def _spots(view: str) -> list[Spot]:
    result = []
    for point in POINTS:
        if (point.region == "body") != (view == BODY):
            continue
        for side in point.sides:
            x = -point.x if side == RIGHT else point.x
            at = (round(CENTRE_X + x, 1), point.y) if view == BODY else project(view, x, point.y)
            if at is not None:
                result.append(Spot(point.code, side, *at))
    return result


def region_path(view: str, region: Region) -> str:
    """The SVG path of a region's line in ``view`` ("" when the turned face hides it)."""
    projected = [project(view, x, y) for x, y in region.line]
    if any(p is None for p in projected):
        return ""
    return "M" + " L".join(f"{px},{py}" for px, py in projected)  # type: ignore[misc]


# -- the drawings ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawing:
    view: str
    width: int
    height: int
    outline: list[str] = field(default_factory=list)  # SVG path data, stroked
    features: list[str] = field(default_factory=list)  # eyes, brows, mouth: thinner strokes

    @property
    def label(self) -> str:
        return VIEWS[self.view]


def _polyline(points) -> str:
    visible = [p for p in points if p is not None]
    if len(visible) < 2:
        return ""
    return "M" + " L".join(f"{x},{y}" for x, y in visible)


def _front_curve(view: str, pairs) -> str:
    return _polyline(project(view, x, y) for x, y in pairs)


def _silhouette(view: str) -> str:
    """The outline of the head: in a turned view, the widest extent of the turned head at each height."""
    angle = math.radians(TURN_DEGREES if view == FACE_LEFT else -TURN_DEGREES) if view != FACE_FRONT else 0.0
    near, far = [], []
    for y in range(22, 238, 3):
        w, d = _profile(y)
        # Extremes of x*cos(a) - z*sin(a) over the half-ellipse in front of the axis, and the back of the head
        # (a full ellipse, the back as deep as the face) for the far side.
        reach = math.hypot(w * math.cos(angle), d * math.sin(angle))
        near.append((round(CENTRE_X + reach, 1), y))
        far.append((round(CENTRE_X - reach, 1), y))
    path = far + [(CENTRE_X, 237)] + near[::-1]
    return "M" + " L".join(f"{x},{y}" for x, y in path) + " Z"


def _face_drawing(view: str) -> Drawing:
    outline = [_silhouette(view)]
    # The neck, from under the jaw down out of the picture.
    neck_shift = 0 if view == FACE_FRONT else (-8 if view == FACE_LEFT else 8)
    outline.append(f"M{CENTRE_X - 30 + neck_shift},222 L{CENTRE_X - 33 + neck_shift},258")
    outline.append(f"M{CENTRE_X + 30 + neck_shift},222 L{CENTRE_X + 33 + neck_shift},258")
    features = []
    for sign in (-1, 1):
        eye_top = [(sign * (x), 112 - 5 * math.sin(math.pi * (x - 14) / 26)) for x in range(14, 41, 3)]
        eye_bottom = [(sign * (x), 112 + 3.5 * math.sin(math.pi * (x - 14) / 26)) for x in range(14, 41, 3)]
        brow = [(sign * x, 97 - 5 * math.sin(math.pi * (x - 10) / 36)) for x in range(10, 47, 4)]
        ala = [(sign * 4, 146), (sign * 11, 145), (sign * 13, 150), (sign * 8, 154)]
        lip = [(sign * x, 180 - 2.5 * math.sin(math.pi * x / 20)) for x in range(0, 21, 2)]
        lower_lip = [(sign * x, 181 + 5 * math.cos(math.pi * x / 40)) for x in range(0, 19, 3)]
        for line in (eye_top, eye_bottom, brow, ala, lip, lower_lip):
            if path := _front_curve(view, line):
                features.append(path)
        # The ear beside the cheek, drawn only where the face does not hide it.
        ear = [(sign * 62, 108), (sign * 68, 112), (sign * 69, 130), (sign * 64, 150), (sign * 60, 152)]
        if view == FACE_FRONT:
            features.append(_polyline((CENTRE_X + x, y) for x, y in ear))
        elif (view == FACE_LEFT) == (sign > 0):
            angle = math.radians(TURN_DEGREES if view == FACE_LEFT else -TURN_DEGREES)
            features.append(_polyline((round(CENTRE_X + x * math.cos(angle) * 0.86, 1), y) for x, y in ear))
    features.append(_front_curve(view, [(0, 104), (2, 125), (4, 144)]))  # the bridge of the nose
    features.append(_front_curve(view, [(-30, 58), (-15, 52), (0, 50), (15, 52), (30, 58)]))  # hairline
    return Drawing(view, *VIEW_SIZE[view], outline=outline, features=[f for f in features if f])


# The body, front: head, trunk, arms hanging beside it, legs; the client's right on the left of the picture.
_BODY_RIGHT_HALF = ((100, 0), (88, 4), (80, 17), (84, 32), (92, 42), (92, 56), (72, 64), (60, 74), (56, 100),
                    (52, 140), (48, 190), (46, 212), (42, 236), (50, 240), (57, 214), (60, 192), (64, 150),
                    (68, 112), (70, 150), (70, 190), (66, 212), (70, 260), (74, 300), (76, 340), (78, 372),
                    (72, 390), (92, 392), (93, 374), (94, 340), (95, 300), (97, 250), (100, 222))


def _body_drawing() -> Drawing:
    right = list(_BODY_RIGHT_HALF)
    left = [(2 * CENTRE_X - x, y) for x, y in right[::-1]]
    outline = ["M" + " L".join(f"{x},{y}" for x, y in right + left[1:]) + " Z"]
    features = [f"M{CENTRE_X - 2},178 a2,2 0 1,0 4,0 a2,2 0 1,0 -4,0"]
    return Drawing(BODY, *VIEW_SIZE[BODY], outline=outline, features=features)


@cache
def drawing(view: str) -> Drawing:
    return _body_drawing() if view == BODY else _face_drawing(view)


def in_view(view: str, x: float, y: float) -> bool:
    width, height = VIEW_SIZE[view]
    return 0 <= x <= width and 0 <= y <= height
