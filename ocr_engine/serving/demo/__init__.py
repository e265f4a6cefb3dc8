"""The web demo: PaddleHub's ``GET /gradio/<module>`` page for each hub module, through the server's own port.

- ``launcher``: what a module's ``create_gradio_app`` returns. PaddleHub forks a process from the serving process
  and calls its ``launch``, which serves the page with gradio on a loopback port. The page never loads a model:
  it hands each image back to the serving process, which answers it exactly as ``/predict/<module>`` would.
- ``page``: the page itself (gradio blocks): upload or pick an example, see the boxes numbered, the table, the JSON.
- ``routes``: a WSGI layer in front of PaddleHub's Flask app that forwards ``/gradio/<module>/...`` to that process
  as it streams, for any method, saying which host the browser asked for, and finds it from any gunicorn worker.
"""

from .launcher import DemoLauncher

__all__ = ["DemoLauncher"]
