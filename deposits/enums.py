from django.db import models


class DepositStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    AVAILABLE = "available", "Available"
    SUSPENDED = "suspended", "Suspended"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AccessLevel(models.TextChoices):
    SAFE_ROOM = "safe_room", "SRS safe room only"
    ASSURED_REMOTE = "assured_remote", "Remote, via an assured connection"


class Population(models.TextChoices):
    CHILDREN_LOOKED_AFTER = "children_looked_after", "Children looked after"
    CARE_LEAVERS = "care_leavers", "Care leavers"
    CHILDREN_IN_NEED = "children_in_need", "Children in need"
    CHILD_PROTECTION = "child_protection", "Children on child protection plans"
    ADOPTED_CHILDREN = "adopted_children", "Adopted children"
    KINSHIP_CARE = "kinship_care", "Children in kinship care"
    FOSTER_CARERS = "foster_carers", "Foster carers"
    PRACTITIONERS = "practitioners", "Social-care practitioners"
