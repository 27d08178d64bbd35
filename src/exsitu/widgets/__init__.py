"""Interactive widgets (ipywidgets) for the lessons and the Voilà apps, one module per step.

Widgets are thin: they collect input, call the computing functions of :mod:`exsitu`, and show the
result; they never compute anything themselves. A bad value is shown as a message in the widget, never
as a traceback.
"""
