"""The station's look: calm colours, readable sizes at 1366×768, accessible contrast."""

STYLE = """
* { font-size: 14px; }
QMainWindow, QDialog { background: #f5f7fa; }
#header { background: #1f4e79; }
#header QLabel { color: #ffffff; }
#header #title { font-size: 19px; font-weight: 600; }
#header #subtitle, #header #who { color: #dce6f0; }
#header QPushButton { background: #2d6396; color: #ffffff; border: 1px solid #5a86b3;
    border-radius: 4px; padding: 5px 14px; }
#header QPushButton:hover { background: #3a74ab; }
QDialog#login #title { font-size: 21px; font-weight: 600; color: #1f4e79; }
QDialog#login #subtitle { color: #4a5a6a; }
#error { color: #b00020; background: #fdecee; border: 1px solid #f3b6bf; border-radius: 4px;
    padding: 6px 8px; }
#hint { color: #3c4a57; background: #eef3f8; border: 1px solid #c8d6e5; border-radius: 4px;
    padding: 6px 8px; }
#muted { color: #55606b; }
#warning { color: #7a4b00; background: #fff4e0; border: 1px solid #f0c987; border-radius: 4px;
    padding: 6px 8px; }
QListWidget#steps { background: #ffffff; border: 1px solid #d3dce5; border-radius: 4px;
    padding: 6px 0; font-size: 15px; }
QListWidget#steps::item { padding: 12px 14px; color: #1b2733; }
QListWidget#steps::item:selected { background: #1f6fb2; color: #ffffff; }
QListWidget#problems { background: #ffffff; border: 1px solid #f3b6bf; }
QListWidget#problems::item { padding: 6px 8px; color: #8a0018; }
QScrollArea#page, QScrollArea#page > QWidget > QWidget { background: transparent; }
QWidget#home { background: #ffffff; border: 1px solid #d3dce5; border-radius: 6px; }
QLabel#bigNumber { font-size: 40px; font-weight: 600; color: #1f4e79; }
QPushButton#entry { text-align: left; padding: 11px 14px; font-size: 15px; }
QPushButton#entry:enabled { border-left: 4px solid #1f6fb2; }
QPushButton[figure="true"] { text-align: left; padding: 5px 10px; color: #1f4e79;
    border: 1px solid #d3dce5; }
QPushButton[figure="true"][attention="true"] { color: #7a4b00; background: #fff4e0;
    border: 1px solid #f0c987; font-weight: 600; }
QLabel#photoFrame { background: #ffffff; border: 1px dashed #9fb0c2; }
QGroupBox { font-weight: 600; color: #1f4e79; border: 1px solid #d3dce5; border-radius: 6px;
    margin-top: 14px; padding: 14px 10px 10px 10px; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QGroupBox QLabel, QGroupBox QCheckBox { font-weight: normal; color: #1b2733; }
QGroupBox QLabel#muted { color: #55606b; }
QGroupBox QLabel#fieldError { color: #b00020; }
#fieldError { color: #b00020; font-size: 12px; }
#recovery { font-family: monospace; font-size: 28px; font-weight: 600; color: #1f4e79;
    background: #ffffff; border: 2px dashed #9fb0c2; border-radius: 6px; padding: 24px; }
#photoStatus { font-size: 16px; font-weight: 600; color: #1f4e79; }
QLineEdit { background: #ffffff; border: 1px solid #b8c4d0; border-radius: 4px; padding: 6px 8px;
    selection-background-color: #2d6396; }
QLineEdit:focus { border: 2px solid #2d6396; padding: 5px 7px; }
QLineEdit#search { font-size: 16px; padding: 9px 12px; }
QLineEdit#search:focus { padding: 8px 11px; }
QPushButton { background: #ffffff; border: 1px solid #9fb0c2; border-radius: 4px;
    padding: 6px 16px; color: #1b2733; }
QPushButton:hover { background: #eef3f8; }
QPushButton:focus { border: 2px solid #2d6396; }
QPushButton#primary { background: #1f6fb2; color: #ffffff; border: 1px solid #1a5e97;
    font-weight: 600; }
QPushButton#primary:hover { background: #1a5e97; }
QPushButton:disabled { color: #8a96a3; background: #eceff2; }
QPushButton#primary:disabled { background: #a9bfd4; color: #f3f6f9; border-color: #a9bfd4; }
QTableView { background: #ffffff; alternate-background-color: #f3f6f9; border: 1px solid #d3dce5;
    gridline-color: #e3e9ef; selection-background-color: #cfe2f3; selection-color: #10202f; }
QTableView::item { padding: 4px 14px 4px 10px; }
QHeaderView::section { background: #e8eef4; color: #1b2733; padding: 6px 10px; border: none;
    border-bottom: 1px solid #c8d3de; font-weight: 600; }
QStatusBar { background: #e8eef4; color: #34414e; }
QStatusBar QLabel { padding: 2px 12px; }
"""
