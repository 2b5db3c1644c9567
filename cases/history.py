"""History rows written by the reporter's own acts are dated to the hour, like the acts."""

from simple_history.signals import pre_create_historical_record


def coarsen_anonymous_history(sender, history_instance, **kwargs) -> None:
    if history_instance.history_user_id is None:
        history_instance.history_date = history_instance.history_date.replace(
            minute=0, second=0, microsecond=0
        )


def connect() -> None:
    pre_create_historical_record.connect(
        coarsen_anonymous_history, dispatch_uid="lanterne-coarse-history"
    )
