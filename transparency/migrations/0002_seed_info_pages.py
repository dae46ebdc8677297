"""Seed the four public information pages, so the footer links work on a fresh install. Staff
edit them afterwards; each edit is a new version."""

from django.db import migrations
from django.utils import timezone

ARCHIVE_PRIVACY = """The charity keeps an archive of **de-identified** data from research studies with children in social care, care leavers and the people who work with them. This notice explains how that data is used, who decides, and what your rights are.

## Who we are

The charity is the controller of the archive. The data itself never leaves the **ONS Secure Research Service (SRS)**: approved researchers work on it inside the SRS, and ONS checks every result before it leaves.

## What the archive holds

- Answers and measurements collected by the original research studies (for example, wellbeing questionnaires and placement histories).
- No names, addresses, dates of birth or other direct identifiers. Before data is deposited, these are removed or replaced by codes, and rare details are grouped.
- A description of each study, the consent and information participants were given, and the conditions on each study's use, shown in the public catalogue.

## Why we hold it, and our lawful basis

We hold the archive so that research can improve the lives of children in care and care leavers. Our lawful basis is **task in the public interest** (UK GDPR Article 6(1)(e)), and for special category data **archiving and research in the public interest** (Article 9(2)(j)), with the safeguards in Article 89 and the Data Protection Act 2018.

## Who can use the data

Only **ONS accredited researchers**, on a project approved by the **Archive Access Approval Panel**. The panel includes people with experience of care. It rejects any use participants were not told about or would not be comfortable with, and any use that breaks a study's conditions (some studies exclude commercial organisations, for example).

Every approved project is listed in the **public register**, with a plain-English summary and the panel's reasons, so you can see how the data has been used.

## How long we keep it

Each study's data is kept for the period agreed when it was deposited and reviewed at least every five years.

## Your rights

Because the data is de-identified, we usually cannot find one person's records in it. You can still ask us about it, object to a use, or complain. Write to the Data Protection Officer at <dpo@example.org>. You can also complain to the Information Commissioner's Office (<https://ico.org.uk>).
"""

SITE_PRIVACY = """This notice covers **this website**, the Archive Access Portal: the information we keep about the people who use it. The archive of research data has its own notice, the archive privacy policy.

## What we collect

- **Researchers**: your name, email address, organisation and its sector, job title, ORCID iD, and your ONS accredited researcher number and its expiry date; your applications and the documents you attach.
- **Panel members and staff**: your name, email address, your declared interests and conflicts, and your votes and comments on applications.
- **Everyone who signs in**: a record of sign-ins and of the changes you make (the audit log), with the IP address.

## Why

To decide applications for access to the archive, to tell the ONS Secure Research Service who may have access, and to keep an honest record of who decided what. Our lawful basis is **task in the public interest** (UK GDPR Article 6(1)(e)).

## Who sees it

- The panel sees applications and the researchers' profiles. Panel votes and comments are never published.
- ONS receives, for an approved project, the researchers' names, email addresses, organisations and accreditation numbers.
- The **public register** shows an approved project's title, plain-English summary, lead organisation and its sector, and the panel's reasons, only when the team consented. It never shows anyone's name, email or accreditation number.

## Cookies

We use only the cookies the site needs to work: one for your session and one that protects forms. No analytics or advertising cookies.

## How long we keep it

Accounts are closed after three years without use. Applications, decisions and the audit log are kept for ten years after access ends, as the record of how the archive was used.

## Your rights

You can ask for a copy of your information, ask us to correct it, or object. Write to the Data Protection Officer at <dpo@example.org>, or complain to the Information Commissioner's Office (<https://ico.org.uk>).
"""

DPIA_SUMMARY = """This is a summary of the archive's **data protection impact assessment (DPIA)**. Each deposited study also has its own DPIA, checked by two members of staff before the study becomes available.

## What the processing is

Making de-identified data from research with children in social care available to accredited researchers, inside the ONS Secure Research Service, for projects an independent panel approves.

## The main risks and how we reduce them

| Risk | How it is reduced |
|---|---|
| A person is recognised from the data | Direct identifiers are removed before deposit; rare values are grouped; ONS checks every output (statistical disclosure control) |
| Data is used for a purpose participants would not accept | Each study lists excluded uses; applications declaring them are rejected automatically; the panel, which includes care-experienced members, reviews the rest |
| Data leaves the secure setting | Data stays in the SRS; only checked, aggregate outputs leave |
| An unsuitable organisation gains access | The panel assesses each researcher's fit with the charity's purpose; studies can exclude whole sectors |
| Access continues after a project ends | Access periods end automatically and ONS is told; the panel can revoke access at any time |

## Residual risk

After these measures the residual risk is assessed as **low**. The DPIA is reviewed every year and whenever a new kind of data is deposited.

## Consultation

Care-experienced young people and the charity's Data Protection Officer were consulted. Their advice shaped the list of excluded uses and the public register.
"""

RESEARCHER_GUIDE = """This guide is for researchers outside the charity who would like to use data in the archive.

## Before you apply

1. Become an **ONS accredited researcher** (<https://uksa.statisticsauthority.gov.uk/digitaleconomyact-research-statistics/>). Every member of the team who will see the data needs accreditation.
2. Read the **catalogue** entry of each study you want: its population, geography, variables, and its **use conditions**.
3. Check your project against the excluded uses below. The portal warns you while your application is still a draft.

## How to apply

Register as a researcher, complete your profile (organisation, sector, accreditation), then start an application. It follows the **Five Safes**: safe people, safe project, safe data, safe settings and safe outputs. Invite your co-applicants; each must accept. Submit when every section is complete.

## What the panel weighs

- **Public benefit**, and in particular the benefit to children in social care and care leavers.
- Whether care-experienced people are **involved** in the project.
- Whether you need **each variable** you ask for, and the smallest data that answers your questions.
- The **researcher's fit**: whether your organisation's work is aligned with the charity's purpose.
- Your plan for **outputs**, publication and statistical disclosure control.

The panel can approve, approve with conditions, reject, or send you questions. A decision letter gives the reasons.

## What is rejected automatically

An application is rejected at once, without panel time, when it:

- declares a **use a study excludes** (for example commercial product development, marketing, or individual-level decisions about a child or family), or
- comes from an organisation in a **sector a study excludes** (some studies exclude commercial organisations).

The rejection names each study and condition. You can apply again with a different project.

## After approval

ONS is told to give your team access for the approved period. We remind you 30 days before it ends. Your project appears in the **public register** if your team consented.
"""


PAGES = [
    ("archive-privacy", "Archive privacy policy", ARCHIVE_PRIVACY),
    ("privacy", "Privacy policy", SITE_PRIVACY),
    ("dpia-summary", "Data protection impact assessment: summary", DPIA_SUMMARY),
    ("researcher-guide", "Guide for external researchers", RESEARCHER_GUIDE),
]


def seed(apps, schema_editor):
    InfoPage = apps.get_model("transparency", "InfoPage")
    InfoPageVersion = apps.get_model("transparency", "InfoPageVersion")
    now = timezone.now()
    for slug, title, text in PAGES:
        body = text.strip()
        if InfoPage.objects.filter(slug=slug).exists():
            continue
        page = InfoPage.objects.create(slug=slug, title=title, body=body, version=1, updated_at=now)
        InfoPageVersion.objects.create(
            page=page, number=1, title=title, body=body, saved_at=now, change_note="First published."
        )


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
