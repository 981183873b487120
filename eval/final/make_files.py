#!/usr/bin/env python3
"""Generate the two saved web pages (.html) and the two-page PDF of eval/final/corpus.

Run: python3 eval/final/make_files.py   (needs fpdf2 and the DejaVu font)
"""
import html
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# ---------------------------------------------------------------- HTML chrome
CHROME_TOP = """<!DOCTYPE html>
<html lang="pl">
<head>
<meta charset="utf-8">
<title>{title} – Kraków dla Organizacji</title>
<link rel="stylesheet" href="/static/portal.css">
<script src="/static/analytics.js"></script>
</head>
<body>
<div id="cookie-banner" class="cookies">
  <p>Ta strona używa plików cookies w celach statystycznych i aby ułatwić korzystanie z serwisu. Możesz zmienić ustawienia w swojej przeglądarce.</p>
  <button>Akceptuję</button> <a href="/polityka-prywatnosci">Polityka prywatności</a>
</div>
<header>
  <a class="logo" href="/">Kraków dla Organizacji – portal NGO</a>
  <nav class="menu"><ul>
    <li><a href="/aktualnosci">Aktualności</a></li>
    <li><a href="/konkursy">Konkursy</a></li>
    <li><a href="/centra-obywatelskie">Centra obywatelskie</a></li>
    <li><a href="/kdo">Komisje Dialogu</a></li>
    <li><a href="/kontakt">Kontakt</a></li>
  </ul></nav>
  <form class="search"><input type="text" placeholder="Szukaj w serwisie"><button>Szukaj</button></form>
</header>
<nav class="breadcrumbs">Strona główna &raquo; Aktualności &raquo; {crumb}</nav>
<main>
<article>
<h1>{title}</h1>
<p class="meta">Opublikowano: {published} | Autor: {author}</p>
"""

CHROME_BOTTOM = """</article>
<aside class="related">
  <h2>Zobacz także</h2>
  <ul>
{related}
  </ul>
</aside>
</main>
<footer>
  <p>Urząd Miasta Krakowa, Wydział Polityki Społecznej, Równości i Zdrowia – Referat ds. Współpracy z Organizacjami Pozarządowymi</p>
  <p>Deklaracja dostępności | Mapa strony | Redakcja serwisu</p>
  <p>© 2026 Kraków dla Organizacji. Wszelkie prawa zastrzeżone.</p>
</footer>
</body>
</html>
"""

PAGES = [
    {
        "file": "aktualnosci-klub-sasiedzki-biezanow.html",
        "title": "Nowy Klub Sąsiedzki w Bieżanowie otwiera drzwi",
        "crumb": "Klub Sąsiedzki Bieżanów",
        "published": "12 listopada 2025",
        "author": "Redakcja portalu",
        "body": [
            "W sobotę 22 listopada 2025 r. o godz. 11:00 w Bieżanowie zostanie uroczyście otwarty nowy Klub Sąsiedzki. Mieści się on w odnowionym parterze budynku przy ul. Kokotowskiej 11a, w dawnym lokalu biblioteki osiedlowej.",
            "Klub prowadzi Stowarzyszenie „Bieżanowskie Podwórko”, a remont i wyposażenie sfinansowano ze środków Rady Dzielnicy XII Bieżanów-Prokocim w kwocie 85 000 zł. Lokal ma salę spotkań dla 30 osób, kącik dla dzieci i niewielką pracownię.",
            "Klub będzie czynny od środy do soboty w godzinach 14:00–20:00. Na start przygotowano stały program: kawiarenkę językową dla osób uczących się polskiego, klub gier planszowych oraz naprawialnię, w której w co drugą sobotę wolontariusze pomagają naprawić drobny sprzęt domowy, rowery i ubrania.",
            "– Chcemy, żeby to było miejsce, do którego można wpaść bez zapisów i bez powodu – mówi Barbara Olech, prezeska stowarzyszenia. Mieszkańcy i lokalne organizacje mogą też zgłaszać własne pomysły na zajęcia; sala jest udostępniana bezpłatnie na działania niekomercyjne po wcześniejszym kontakcie z koordynatorem.",
            "Podczas otwarcia zaplanowano warsztaty dla dzieci, poczęstunek przygotowany przez Koło Gospodyń Wiejskich z Bieżanowa oraz spotkanie z radnymi dzielnicy.",
            "Kontakt z klubem: klub.biezanow@podworko.example, tel. 12 345 67 11.",
        ],
        "related": [
            "Zmiany w regulaminie inicjatyw lokalnych",
            "Jak założyć stowarzyszenie zwykłe? Poradnik krok po kroku",
            "Rozpoczęły się zapisy na szkolenia z księgowości dla NGO",
        ],
    },
    {
        "file": "aktualnosci-lokale-dla-organizacji-krowodrza.html",
        "title": "Sześć lokali dla organizacji pozarządowych na Krowodrzy – ruszył konkurs",
        "crumb": "Lokale dla NGO na Krowodrzy",
        "published": "3 marca 2026",
        "author": "Anna Skrzypek",
        "body": [
            "Zarząd Budynków Komunalnych w Krakowie ogłosił konkurs na najem sześciu lokali użytkowych w Dzielnicy V Krowodrza z przeznaczeniem na działalność organizacji pozarządowych. Lokale mają powierzchnię od 28 do 96 m² i znajdują się m.in. przy ul. Mazowieckiej, ul. Królewskiej i al. Kijowskiej.",
            "Organizacje, które wygrają konkurs, zapłacą preferencyjną stawkę czynszu w wysokości 5 zł netto za metr kwadratowy miesięcznie. Umowy najmu zostaną zawarte na 5 lat, z możliwością przedłużenia.",
            "W konkursie mogą wziąć udział organizacje pozarządowe wpisane do właściwego rejestru, które nie mają zaległości wobec Gminy Miejskiej Kraków ani ZBK. Zwycięzcy zobowiążą się, że lokal będzie otwarty dla mieszkańców co najmniej 20 godzin w tygodniu.",
            "Oferty w zamkniętych kopertach należy składać do 31 marca 2026 r. w Biurze Obsługi Klienta ZBK. Komisja oceni m.in. program działań dla mieszkańców dzielnicy, doświadczenie organizacji oraz planowane nakłady na adaptację lokalu.",
            "Lokale można obejrzeć 12 i 19 marca 2026 r. w godz. 10:00–13:00 po wcześniejszym umówieniu się telefonicznym. Szczegółowa lista lokali wraz z rzutami jest dostępna w ogłoszeniu na stronie ZBK.",
        ],
        "related": [
            "Centrum Obywatelskie Dębniki – nowy regulamin rezerwacji sal",
            "Inkubator Organizacji Pozarządowych: nabór na edycję jesienną",
            "Kalendarz posiedzeń Komisji Dialogu Obywatelskiego",
        ],
    },
]


def make_html(page):
    top = CHROME_TOP.format(**{k: html.escape(page[k]) for k in ("title", "crumb", "published", "author")})
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in page["body"]) + "\n"
    related = "\n".join(f'    <li><a href="#">{html.escape(r)}</a></li>' for r in page["related"])
    (CORPUS / page["file"]).write_text(top + body + CHROME_BOTTOM.format(related=related), encoding="utf-8")


# ---------------------------------------------------------------- PDF (2 pages)
PDF_FILE = "konkurs-wsparcie-rodziny-2026.pdf"
PDF_PAGES = [
    [
        ("h", "PREZYDENT MIASTA KRAKOWA"),
        ("h", "ogłasza otwarty konkurs ofert na realizację zadania publicznego „Wsparcie rodzin w kryzysie – poradnictwo i grupy wsparcia” w latach 2026–2027"),
        ("p", "Kraków, dnia 15 grudnia 2025 r."),
        ("p", "Podstawa prawna: art. 11 ust. 2 i art. 13 ustawy z dnia 24 kwietnia 2003 r. o działalności pożytku publicznego i o wolontariacie."),
        ("s", "I. Rodzaj zadania"),
        ("p", "Zadanie obejmuje prowadzenie bezpłatnego poradnictwa psychologicznego, pedagogicznego i prawnego dla rodzin przeżywających kryzys, w tym rozpad związku, przemoc, żałobę lub utratę pracy, oraz prowadzenie grup wsparcia dla rodziców. Poradnictwo powinno być dostępne co najmniej 25 godzin w tygodniu, w tym w dwa dni w godzinach popołudniowych do 19:00."),
        ("s", "II. Wysokość środków publicznych"),
        ("p", "Na realizację zadania przeznacza się łącznie 1 200 000 zł, w tym 600 000 zł w 2026 r. i 600 000 zł w 2027 r. Planuje się wybór nie więcej niż trzech ofert. W latach 2024–2025 na podobne zadanie przeznaczono 900 000 zł."),
        ("s", "III. Termin i warunki realizacji"),
        ("p", "Zadanie realizowane będzie od 1 kwietnia 2026 r. do 31 grudnia 2027 r. Oferent wnosi wkład własny finansowy lub osobowy w wysokości co najmniej 5% wartości dotacji. Kadra poradni musi mieć wykształcenie kierunkowe i co najmniej dwuletnie doświadczenie w pracy z rodziną."),
    ],
    [
        ("s", "IV. Uprawnieni oferenci"),
        ("p", "Oferty mogą składać organizacje pozarządowe oraz podmioty wymienione w art. 3 ust. 3 ustawy, które prowadzą działalność statutową w zakresie wspierania rodziny i mają siedzibę lub oddział na terenie Krakowa. Oferty wspólne są dopuszczalne."),
        ("s", "V. Termin i miejsce składania ofert"),
        ("p", "Oferty należy składać w generatorze Witkac.pl do dnia 19 stycznia 2026 r. do godz. 15:30. Wydrukowane i podpisane potwierdzenie złożenia oferty należy dostarczyć w tym samym terminie do Kancelarii Wydziału Polityki Społecznej, Równości i Zdrowia przy ul. Dekerta 24 lub przesłać przez ePUAP. Oferty złożone po terminie nie będą rozpatrywane."),
        ("s", "VI. Kryteria oceny ofert"),
        ("p", "Komisja konkursowa oceni: jakość i dostępność proponowanych działań (0–30 pkt), kwalifikacje kadry (0–20 pkt), kalkulację kosztów (0–20 pkt), doświadczenie w realizacji podobnych zadań (0–15 pkt) oraz współpracę z innymi instytucjami, np. szkołami i ośrodkami pomocy społecznej (0–15 pkt). Minimalna liczba punktów wymagana do otrzymania dotacji wynosi 60."),
        ("s", "VII. Rozstrzygnięcie konkursu"),
        ("p", "Rozstrzygnięcie konkursu nastąpi do dnia 20 marca 2026 r. Wyniki zostaną opublikowane w BIP, na tablicy ogłoszeń Urzędu oraz na portalu ngo.krakow.pl."),
        ("s", "VIII. Informacje"),
        ("p", "Informacji udziela Referat ds. Rodziny, tel. 12 616 78 20, e-mail: rodzina.konkurs@um.krakow.example."),
    ],
]


def make_pdf():
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", FONT)
    for page in PDF_PAGES:
        pdf.add_page()
        for kind, text in page:
            if kind == "h":
                pdf.set_font("DejaVu", size=13)
                pdf.multi_cell(0, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif kind == "s":
                pdf.ln(2)
                pdf.set_font("DejaVu", size=11.5)
                pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.set_font("DejaVu", size=10.5)
                pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
    pdf.output(str(CORPUS / PDF_FILE))


if __name__ == "__main__":
    CORPUS.mkdir(parents=True, exist_ok=True)
    for p in PAGES:
        make_html(p)
    make_pdf()
    print("written:", [p["file"] for p in PAGES] + [PDF_FILE])
