"""Celery tasks: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_intake_request(request_id: int) -> bool:
    return services.intake_request_deliver(request_id=request_id)
