"""Read ``destinations.csv``: how each origin's destinations are grouped into modelled components.

One row per component (a group of destinations of THCS or THPT graduates
whose share has its own evidence or prior): ``origin`` (thcs or thpt),
``component`` (a name), ``tracks`` (destinations joined by ``;``),
``absorbs`` (yes: the component moves, in proportion to its uncertainty, when
the components' draws do not sum to 1; no: it keeps its own draws),
``prior_sd_logit`` (uncertainty of the prior on the logit scale, used where no
figure exists), ``status`` and ``source`` (where the uncertainty comes from),
``notes``. What each destination means and which indicator measures a
component live in ``flow_assumptions.csv`` and ``indicators.csv``; this file
only says how the composition is cut.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simlib.errors import InputError

__all__ = ["DestinationsError", "read_destinations", "COLUMNS"]

COLUMNS = ("origin", "component", "tracks", "absorbs", "prior_sd_logit", "status", "source", "notes")
_ORIGINS = ("thcs", "thpt")
_STATUS = ("evidence", "judgement", "illustrative")


class DestinationsError(InputError):
    """``destinations.csv`` cannot be used as it is; the message names the row and column."""


def read_destinations(path: str | Path) -> pd.DataFrame:
    """Read and check a destinations file.

    Parameters
    ----------
    path : path
        A CSV with the columns of :data:`COLUMNS` (UTF-8).

    Returns
    -------
    DataFrame
        One row per component; ``tracks`` as a tuple of destination names, ``absorbs`` as a bool,
        ``prior_sd_logit`` as a float (logit units, >= 0).

    Raises
    ------
    DestinationsError
        With the file, the row (as in a spreadsheet: the header is row 1),
        the column, the value seen and what to write instead.
    """
    p = Path(path)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DestinationsError(f"{p}: cannot be read as a UTF-8 CSV file ({exc.__class__.__name__}); save it "
                                "as 'CSV UTF-8' with the columns " + ", ".join(COLUMNS)) from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DestinationsError(f"{p.name}: missing column(s) {', '.join(missing)}; the file needs "
                                + ", ".join(COLUMNS))
    rows = []
    seen: dict[tuple[str, str], int] = {}
    used: dict[tuple[str, str], int] = {}
    for i, r in df.iterrows():
        row = int(i) + 2
        where = f"{p.name}, row {row}"
        origin, comp = r["origin"].strip(), r["component"].strip()
        if origin not in _ORIGINS:
            raise DestinationsError(f"{where}, column 'origin': {origin!r} is not an origin; write thcs or thpt")
        if not comp:
            raise DestinationsError(f"{where}, column 'component': empty; give the component a name")
        if (origin, comp) in seen:
            raise DestinationsError(f"{where}, column 'component': {comp!r} of {origin} is also on row "
                                    f"{seen[(origin, comp)]}; each component once")
        seen[(origin, comp)] = row
        tracks = tuple(t.strip() for t in r["tracks"].split(";") if t.strip())
        if not tracks:
            raise DestinationsError(f"{where}, column 'tracks': empty; list the destinations joined by ';'")
        for t in tracks:
            if (origin, t) in used:
                raise DestinationsError(f"{where}, column 'tracks': destination {t!r} of {origin} is already in "
                                        f"the component on row {used[(origin, t)]}; a destination belongs to one "
                                        "component")
            used[(origin, t)] = row
        try:
            sd = float(r["prior_sd_logit"].replace(",", "."))
        except ValueError:
            sd = float("nan")
        if not sd >= 0 or sd == float("inf"):
            raise DestinationsError(f"{where}, column 'prior_sd_logit': {r['prior_sd_logit']!r} is not an "
                                    "uncertainty; write a number of logit units, 0 or more (e.g. 0.5)")
        absorbs = r["absorbs"].strip().lower()
        if absorbs not in ("yes", "no"):
            raise DestinationsError(f"{where}, column 'absorbs': {r['absorbs']!r}; write yes (the component takes "
                                    "its part of the difference when the draws do not sum to 1) or no (it keeps "
                                    "its own draws)")
        status = r["status"].strip()
        if status not in _STATUS:
            raise DestinationsError(f"{where}, column 'status': {status!r}; write one of {', '.join(_STATUS)}")
        if not r["source"].strip():
            raise DestinationsError(f"{where}, column 'source': empty; say where the uncertainty comes from")
        rows.append({"origin": origin, "component": comp, "tracks": tracks, "absorbs": absorbs == "yes",
                     "prior_sd_logit": sd,
                     "status": status, "source": r["source"].strip(), "notes": r["notes"].strip()})
    return pd.DataFrame(rows, columns=list(COLUMNS))
