from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "yikatong.complaints"
    label = "complaints"
    verbose_name = "投诉举报"

    def ready(self) -> None:
        """The personal lookup lists a person's open complaints; the monitoring page shows their figures."""
        from yikatong.checks.monitor.sections import MonitorSection, monitor_section_add
        from yikatong.complaints.hooks import lookup_source, monitor_context
        from yikatong.disclosure.lookup import complaint_source_add

        complaint_source_add(lookup_source)
        monitor_section_add(MonitorSection("complaints/monitor_section.html", monitor_context))
