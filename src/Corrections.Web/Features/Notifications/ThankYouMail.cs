using System.Collections.Frozen;
using System.Net;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Notifications;

/// <summary>The short note that tells a reader the mistake they reported is fixed, in the report's language.</summary>
public sealed class ThankYouMail(IOptions<MailOptions> mailOptions)
{
    private readonly MailboxAddress from = MailboxAddress.Parse(mailOptions.Value.From);

    private sealed record Texts(string Subject, string Fixed, string YouReported, string ReadIt);

    private static readonly FrozenDictionary<string, Texts> ByLanguage = new Dictionary<string, Texts>
    {
        ["en"] = new("Thank you: the mistake you reported is fixed", "Thank you for your report. The mistake you found in “{0}” has been corrected.", "You reported:", "Read the article:"),
        ["uk"] = new("Дякуємо: помилку, про яку ви повідомили, виправлено", "Дякуємо за ваше повідомлення. Помилку, яку ви знайшли в «{0}», виправлено.", "Ви повідомили:", "Читати статтю:"),
        ["es"] = new("Gracias: el error que nos señaló está corregido", "Gracias por su aviso. El error que encontró en «{0}» ha sido corregido.", "Nos señaló:", "Leer el artículo:"),
        ["fr"] = new("Merci : l’erreur que vous avez signalée est corrigée", "Merci pour votre signalement. L’erreur que vous avez trouvée dans « {0} » a été corrigée.", "Vous avez signalé :", "Lire l’article :"),
        ["de"] = new("Danke: Der gemeldete Fehler ist korrigiert", "Vielen Dank für Ihre Meldung. Der Fehler, den Sie in „{0}“ gefunden haben, wurde korrigiert.", "Sie haben gemeldet:", "Zum Artikel:"),
        ["ru"] = new("Спасибо: ошибка, о которой вы сообщили, исправлена", "Спасибо за ваше сообщение. Ошибка, которую вы нашли в «{0}», исправлена.", "Вы сообщили:", "Читать статью:"),
        ["pl"] = new("Dziękujemy: zgłoszony błąd został poprawiony", "Dziękujemy za zgłoszenie. Błąd w „{0}” został poprawiony.", "Zgłoszony fragment:", "Przeczytaj artykuł:"),
    }.ToFrozenDictionary();

    public static IEnumerable<string> Languages => ByLanguage.Keys;

    public MimeMessage Compose(Report report, Site site, string readerEmail)
    {
        var texts = For(report.Language ?? site.Language);
        var title = string.IsNullOrWhiteSpace(report.Title) ? report.Url : report.Title;

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(site.Name, from.Address));
        message.To.Add(MailboxAddress.Parse(readerEmail));
        message.Subject = texts.Subject;
        message.MessageId = $"thanks-{report.Id:N}.{Guid.NewGuid():N}@{(from.Domain.Length > 0 ? from.Domain : "localhost")}";
        message.Headers.Add("Auto-Submitted", "auto-generated");

        var passage = EditorMail.OneLine(report.Exact, 200);
        var text = $"{string.Format(texts.Fixed, title)}\n\n{texts.YouReported} “{passage}”\n\n{texts.ReadIt}\n{report.Url}\n\n— {site.Name}\n";
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:560px\">"
            + $"<p>{E(string.Format(texts.Fixed, title))}</p>"
            + $"<p style=\"color:#555\">{E(texts.YouReported)} “{E(passage)}”</p>"
            + $"<p><a href=\"{E(report.Url)}\">{E(texts.ReadIt.TrimEnd(':', ' '))}</a></p>"
            + $"<p style=\"color:#888\">— {E(site.Name)}</p></body></html>";
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }

    private static Texts For(string language)
    {
        var primary = language.Split('-', '_')[0].ToLowerInvariant();
        return ByLanguage.GetValueOrDefault(primary) ?? ByLanguage["en"];
    }
}
