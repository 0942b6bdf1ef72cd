"""New registration (居住登记) and corrections: a five-step wizard, keyboard first.

Steps: applicant (the ID card fills the person section; card fields are marked and read-only),
residence and dwelling, employer and household (members, a guardian when under 16), services and
photo, review. The core's validation runs on every change and is shown next to each touched
field, as a count on each step and as a list on the review page whose entries jump to the
field. Saving runs on the database worker; what is typed is kept as a draft in the encrypted
database so a crash or a lock loses nothing.

Keys: F2 read the card, F3 photo, Alt+→ / Alt+← next and previous step, Ctrl+S save (from any
step: an unsaveable form jumps to the first problem), Ctrl+P receipt, Enter moves to the next
field.

Rooms: ``fields`` (the fields by dotted path, a member's row, Enter moving on), ``pages`` (the
four input steps), ``form`` (the pages ↔ the record), ``review`` (step 5), ``problems`` (the
validation shown), ``drafts``, and ``dialog`` (the window: steps, card, photo, saving).
"""

from ui.intake.dialog import IntakeDialog
from ui.intake.drafts import DRAFT
from ui.intake.fields import age_on, step_of

__all__ = ["DRAFT", "IntakeDialog", "age_on", "step_of"]
