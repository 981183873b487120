#!/usr/bin/env python3
"""Regenerate the binary / generated documents of the unseen evaluation corpus.

Sources live in eval/unseen/sources/:
  *.txt          -> text-layer PDFs (fpdf2) or DOCX; "=== PAGE ===" forces a page break
  kdo-ekologia-protokol.txt -> scanned (image-only) PDF, page texts also written to scan_sources/
  news/*.txt     -> saved web pages (.html) with the common portal chrome
Run:  python3 eval/unseen/make_files.py   (needs fpdf2, Pillow, pypdf)
"""
import html
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "sources"
OUT = HERE / "corpus"
SCAN = HERE / "scan_sources"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_B = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PAGE = "=== PAGE ==="

TEXT_PDFS = [
    "program-wspolpracy-2023",
    "program-wspolpracy-2024",
    "konkurs-ekologia-edukacja-2025",
    "centrum-obywatelskie-grzegorzki-regulamin-2024",
    "sprawozdanie-realizacji-programu-2022",
]
DOCX = ["konkurs-przeciwdzialanie-uzaleznieniom"]
SCANNED = "kdo-ekologia-protokol"


def pages_of(name):
    text = (SRC / f"{name}.txt").read_text(encoding="utf-8")
    return [p.strip("\n") for p in text.split(PAGE)]


# ---------------------------------------------------------------- text PDFs
def make_pdf(name):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_B)
    pdf.set_margins(20, 18, 20)
    for page in pages_of(name):
        pdf.add_page()
        for line in page.split("\n"):
            if not line.strip():
                pdf.ln(2)
                continue
            if line.startswith("# "):
                pdf.set_font("DejaVu", "B", 12.5)
                pdf.multi_cell(0, 6.5, line[2:], new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif line.startswith("## "):
                pdf.set_font("DejaVu", "B", 10.5)
                pdf.ln(1)
                pdf.multi_cell(0, 5.5, line[3:], new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.set_font("DejaVu", "", 10)
                pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    n = pdf.page_no()
    pdf.set_auto_page_break(False)
    for i in range(1, n + 1):  # page footer "Strona i z n"
        pdf.page = i
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(20, 284)
        pdf.cell(0, 5, f"Strona {i} z {n}", align="C")
    pdf.page = n
    pdf.output(str(OUT / f"{name}.pdf"))
    return n


# ---------------------------------------------------------------- DOCX
def make_docx(name):
    lines = (SRC / f"{name}.txt").read_text(encoding="utf-8").split("\n")
    paras = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("# "):
            t = html.escape(line[2:], quote=False)
            paras.append(f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>')
        else:
            t = html.escape(line, quote=False)
            paras.append(f'<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>')
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {ns}><w:body>'
           + "".join(paras) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles {ns}>'
              '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>'
              '<w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style></w:styles>')
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
          '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>')
    docrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
               '</Relationships>')
    with zipfile.ZipFile(OUT / f"{name}.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", doc)
        z.writestr("word/_rels/document.xml.rels", docrels)
        z.writestr("word/styles.xml", styles)


# ---------------------------------------------------------------- scanned PDF
def make_scan(name):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rnd = random.Random(20240619)
    W, H, margin = 1654, 2339, 160
    font = ImageFont.truetype(FONT, 31)  # ~11 pt at 200 dpi
    bold = ImageFont.truetype(FONT_B, 33)
    images = []
    for i, page in enumerate(pages_of(name), 1):
        (SCAN / f"{name}.page{i}.txt").write_text(page + "\n", encoding="utf-8")
        img = Image.new("L", (W, H), 255)
        d = ImageDraw.Draw(img)
        y = margin
        for line in page.split("\n"):
            f = bold if line.isupper() and line.strip() else font
            if not line.strip():
                y += 22
                continue
            words, cur = line.split(" "), ""
            for w in words:
                trial = (cur + " " + w).strip()
                if d.textlength(trial, font=f) > W - 2 * margin:
                    d.text((margin, y), cur, fill=20, font=f)
                    y += 46
                    cur = w
                else:
                    cur = trial
            d.text((margin, y), cur, fill=20, font=f)
            y += 46
        d.text((W // 2 - 40, H - 110), f"- {i} -", fill=40, font=font)
        angle = rnd.uniform(0.4, 0.7) * rnd.choice([-1, 1])
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255, expand=False)
        img = img.filter(ImageFilter.GaussianBlur(0.8))
        px = img.load()
        for _ in range(60000):
            x, yy = rnd.randrange(W), rnd.randrange(H)
            px[x, yy] = max(0, min(255, px[x, yy] + rnd.randint(-70, 40)))
        images.append(img.convert("RGB"))
    images[0].save(OUT / f"{name}.pdf", save_all=True, append_images=images[1:], resolution=200)
    return len(images)


# ---------------------------------------------------------------- saved web pages
MENU = [
    ("/", "Strona główna"), ("/aktualnosci", "Aktualności"), ("/konkursy", "Konkursy i dotacje"),
    ("/centra-obywatelskie", "Centra Obywatelskie"), ("/kdo", "Komisje Dialogu Obywatelskiego"),
    ("/krdpp", "KRDPP"), ("/budzet-obywatelski", "Budżet Obywatelski"), ("/wolontariat", "Wolontariat"),
    ("/baza-wiedzy", "Baza wiedzy"), ("/szkolenia", "Szkolenia"), ("/kontakt", "Kontakt"),
]
RELATED = [
    ("aktualnosci-nabor-krdpp-2024.html", "Wybory do KRDPP – zgłoś kandydata"),
    ("forum-organizacji-pozarzadowych-2023.html", "Krakowskie Forum Organizacji Pozarządowych 2023"),
    ("aktualnosci-otwarcie-centrum-obywatelskiego-nowa-huta.html", "Nowe Centrum Obywatelskie w Nowej Hucie"),
    ("aktualnosci-wyniki-konkursu-seniorzy.html", "Wyniki konkursu dla seniorów"),
    ("szkolenia-witkac-2025.html", "Szkolenia z platformy Witkac.pl"),
    ("tydzien-wolontariatu.html", "Krakowski Tydzień Wolontariatu"),
]


def body_html(lines):
    out, in_list = [], False
    para = []

    def flush():
        if para:
            out.append("<p>" + html.escape(" ".join(para)) + "</p>")
            para.clear()

    for line in lines:
        if line.startswith("- "):
            flush()
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append("<li>" + html.escape(line[2:]) + "</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if not line.strip():
            flush()
        elif line.startswith("## "):
            flush()
            out.append("<h2>" + html.escape(line[3:]) + "</h2>")
        else:
            para.append(line.strip())
    flush()
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def make_html(src):
    head, _, body = src.read_text(encoding="utf-8").partition("---\n")
    meta = dict(l.split(": ", 1) for l in head.strip().split("\n"))
    slug = src.stem
    nav = "\n".join(f'      <li><a href="https://ngo.krakow.example{h}">{t}</a></li>' for h, t in MENU)
    rel = "\n".join(f'        <li><a href="/aktualnosci/{f}">{html.escape(t)}</a></li>'
                    for f, t in RELATED if f != slug + ".html")
    title = html.escape(meta["TITLE"])
    page = f"""<!DOCTYPE html>
<html lang="pl">
<head>
  <meta charset="utf-8">
  <title>{title} - ngo.krakow.pl</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/static/css/portal.min.css?v=4.2.1">
  <script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>
  <style>.cookie-bar{{position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:12px}}</style>
</head>
<body class="page-article">
  <a class="skip-link" href="#tresc">Przejdź do treści</a>
  <div id="cookie-consent" class="cookie-bar" role="dialog" aria-label="Informacja o cookies">
    <p>Ta strona używa plików cookies w celach statystycznych oraz w celu zapewnienia prawidłowego działania serwisu. Możesz zmienić ustawienia cookies w swojej przeglądarce.</p>
    <button type="button" class="btn-accept">Akceptuję</button> <a href="/polityka-prywatnosci">Polityka prywatności</a>
  </div>
  <header class="site-header">
    <div class="logo"><a href="/"><img src="/static/img/logo-krakow.svg" alt="Kraków – herb miasta"> ngo.krakow.pl – Serwis dla organizacji pozarządowych</a></div>
    <form class="search" action="/szukaj"><label for="q">Szukaj w serwisie</label><input id="q" name="q" type="search"><button>Szukaj</button></form>
    <nav class="main-nav" aria-label="Menu główne">
    <ul>
{nav}
    </ul>
    </nav>
    <div class="a11y-tools"><a href="#" class="contrast">Wersja kontrastowa</a> <a href="#" class="font-plus">A+</a> <a href="/en">English</a></div>
  </header>
  <div class="breadcrumbs" aria-label="Jesteś tutaj">
    <a href="/">Strona główna</a> &rsaquo; <a href="/aktualnosci">Aktualności</a> &rsaquo; <a href="/aktualnosci/{html.escape(meta['CATEGORY'].lower())}">{html.escape(meta['CATEGORY'])}</a> &rsaquo; <span>{title}</span>
  </div>
  <div class="layout">
    <main id="tresc">
      <article class="news">
        <h1>{title}</h1>
        <p class="meta">Data publikacji: {meta['DATE']} | Autor: {html.escape(meta['AUTHOR'])}</p>
        <div class="news-body">
{body_html(body.strip().split(chr(10)))}
        </div>
        <div class="share">Udostępnij: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">E-mail</a> <a href="#" onclick="window.print()">Drukuj</a></div>
      </article>
    </main>
    <aside class="sidebar">
      <section class="related">
        <h3>Zobacz też / Powiązane artykuły</h3>
        <ul>
{rel}
        </ul>
      </section>
      <section class="newsletter"><h3>Newsletter dla NGO</h3><p>Zapisz się, aby co tydzień otrzymywać informacje o konkursach.</p><a href="/newsletter">Zapisz się</a></section>
    </aside>
  </div>
  <footer class="site-footer">
    <div class="footer-address">
      <strong>Urząd Miasta Krakowa</strong><br>pl. Wszystkich Świętych 3-4, 31-004 Kraków<br>
      Biuro Pełnomocnika ds. Organizacji Pozarządowych, tel. 12 616 78 30
    </div>
    <ul class="social"><li><a href="https://facebook.com/">Facebook</a></li><li><a href="https://instagram.com/">Instagram</a></li><li><a href="https://youtube.com/">YouTube</a></li></ul>
    <ul class="footer-links"><li><a href="/deklaracja-dostepnosci">Deklaracja dostępności</a></li><li><a href="/polityka-prywatnosci">Polityka prywatności</a></li><li><a href="/mapa-serwisu">Mapa serwisu</a></li></ul>
    <p class="copyright">© Urząd Miasta Krakowa 2025. Wszelkie prawa zastrzeżone.</p>
  </footer>
  <script src="/static/js/portal.min.js?v=4.2.1"></script>
</body>
</html>
"""
    (OUT / f"{slug}.html").write_text(page, encoding="utf-8")


def main():
    OUT.mkdir(exist_ok=True)
    SCAN.mkdir(exist_ok=True)
    for n in TEXT_PDFS:
        print(f"pdf   {n}.pdf: {make_pdf(n)} pages")
    for n in DOCX:
        make_docx(n)
        print(f"docx  {n}.docx")
    print(f"scan  {SCANNED}.pdf: {make_scan(SCANNED)} pages")
    for src in sorted((SRC / "news").glob("*.txt")):
        make_html(src)
        print(f"html  {src.stem}.html")


if __name__ == "__main__":
    main()
