"""Login with a limit on failed attempts per client address, against password guessing."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.ratelimit import RateLimit, client_ip

FAILED_LOGINS = RateLimit("login-failures", limit=10, window=15 * 60)


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        if FAILED_LOGINS.exceeded(client_ip(request)):
            message = _("Too many failed logins from your address. Try again in 15 minutes.")
            return render(request, "registration/login.html", {"form": self.get_form(), "blocked": message},
                          status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        FAILED_LOGINS.record(client_ip(self.request))
        return super().form_invalid(form)
