"""The HQ web cockpit (a Flask application; ``bridge.web.app.create_app``)."""
