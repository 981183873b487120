"""The Streamlit web app: one module per tab plus shared helpers; app.py is the entry point."""
