"""Fast generation of schema-valid synthetic FA(3) invoices (for 10 000+ invoice tests)."""

from __future__ import annotations

from datetime import date, timedelta
from xml.sax.saxutils import escape

from ksef.sim.fa3meta import InvoiceFacts
from ksef.sim.whitelist import derived_account

_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">
<Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>\
<WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>{created}</DataWytworzeniaFa>\
<SystemInfo>ksef-sim</SystemInfo></Naglowek>
<Podmiot1><DaneIdentyfikacyjne><NIP>{seller}</NIP><Nazwa>{seller_name}</Nazwa></DaneIdentyfikacyjne>\
<Adres><KodKraju>PL</KodKraju><AdresL1>ul. Symulowana 1</AdresL1></Adres></Podmiot1>
<Podmiot2><DaneIdentyfikacyjne><NIP>{buyer}</NIP><Nazwa>{buyer_name}</Nazwa></DaneIdentyfikacyjne>\
<Adres><KodKraju>PL</KodKraju><AdresL1>ul. Testowa 2</AdresL1></Adres><JST>2</JST><GV>2</GV></Podmiot2>
<Fa><KodWaluty>PLN</KodWaluty><P_1>{issue}</P_1><P_2>{number}</P_2>\
<P_13_1>{net}</P_13_1><P_14_1>{vat}</P_14_1><P_15>{gross}</P_15>\
<Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A><Zwolnienie><P_19N>1</P_19N></Zwolnienie>\
<NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu><P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy>\
</Adnotacje><RodzajFaktury>VAT</RodzajFaktury>\
<FaWiersz><NrWierszaFa>1</NrWierszaFa><P_7>Usługa testowa</P_7><P_8A>szt.</P_8A><P_8B>1</P_8B>\
<P_9A>{net}</P_9A><P_11>{net}</P_11><P_12>23</P_12></FaWiersz>\
<Platnosc><TerminPlatnosci><Termin>{due}</Termin></TerminPlatnosci><FormaPlatnosci>6</FormaPlatnosci>\
<RachunekBankowy><NrRB>{account}</NrRB></RachunekBankowy></Platnosc></Fa>
</Faktura>
"""


def synthetic_invoice(
    seller: str, buyer: str, number: str, issue_date: str, created_utc: str, net_grosze: int
) -> tuple[bytes, InvoiceFacts]:
    """One invoice (23 % VAT, one line, payable by transfer within 14 days to the seller's sandbox account,
which the simulator's VAT list knows) and its facts, without parsing it back."""
    vat_grosze = round(net_grosze * 23 / 100)
    net, vat, gross = (f"{v // 100}.{v % 100:02d}" for v in (net_grosze, vat_grosze, net_grosze + vat_grosze))
    seller_name, buyer_name = f"Sprzedawca {seller}", f"Nabywca {buyer}"
    xml = _TEMPLATE.format(
        created=created_utc,
        seller=seller,
        seller_name=seller_name,
        buyer=buyer,
        buyer_name=buyer_name,
        issue=issue_date,
        number=escape(number),
        net=net,
        vat=vat,
        gross=gross,
        due=(date.fromisoformat(issue_date) + timedelta(days=14)).isoformat(),
        account=derived_account(seller),
    ).encode("utf-8")
    facts = InvoiceFacts(
        seller_nip=seller,
        seller_name=seller_name,
        buyer_type="Nip",
        buyer_id=buyer,
        buyer_name=buyer_name,
        extra_nips=(),
        issue_date=issue_date,
        invoice_number=number,
        rodzaj="VAT",
        currency="PLN",
        net=net_grosze / 100,
        vat=vat_grosze / 100,
        gross=(net_grosze + vat_grosze) / 100,
        is_self_invoicing=False,
        has_attachment=False,
    )
    return xml, facts
