"""Print the current sign-in code of a demo account (works only for demo accounts whose app was set up
by demo_data with the published demo secret, so it opens no real account)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_ACCOUNTS, DEMO_TOTP_SECRET
from accounts.two_factor import totp_key_from_base32
from core.text import email_canonical


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo panel, chair or staff account."

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account, e.g. chair@example.org")

    def handle(self, *args, **options):
        email = email_canonical(options["email"])
        if email not in {address for address, _name, _role in DEMO_ACCOUNTS}:
            raise CommandError(f"{email} is not a demo account; this command only serves the demo.")
        demo_key = totp_key_from_base32(DEMO_TOTP_SECRET)
        device = TOTPDevice.objects.filter(user__email=email, key=demo_key, confirmed=True).first()
        if device is None:
            raise CommandError(
                f"{email} has no demo authenticator (researchers need none; otherwise run demo_data first)."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = time.time()
        totp.time = now
        seconds_left = device.step - int(now - device.t0) % device.step
        if totp.t() <= device.last_t:
            # This step's code was used already; a code works once, so give the next one.
            totp.time = now + seconds_left
            self.stdout.write(f"{totp.token():06d}")
            self.stderr.write(f"(this step's code was used; the code above works in {seconds_left} s)")
            return
        self.stdout.write(f"{totp.token():06d}")
        self.stderr.write(f"(valid for about {seconds_left} s more)")
