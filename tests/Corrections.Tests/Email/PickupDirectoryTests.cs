using Corrections.Tests.Infrastructure;
using MimeKit;

namespace Corrections.Tests.Email;

public sealed class PickupDirectoryTests : IDisposable
{
    private readonly TestData data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public async Task Without_an_SMTP_host_the_editors_mail_is_written_as_an_eml_file_to_the_pickup_folder()
    {
        await using var app = new CorrectionsApp(data);
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        await app.WaitUntilAsync(() => Task.FromResult(Directory.Exists(data.MailFolder) && Directory.GetFiles(data.MailFolder, "*.eml").Length == 1));

        var mail = await MimeMessage.LoadAsync(Directory.GetFiles(data.MailFolder, "*.eml").Single());
        Assert.StartsWith($"report-{id:N}.", mail.MessageId);
        Assert.Equal("editors@news.example.org", mail.To.Mailboxes.Single().Address);
        Assert.Empty(Directory.GetFiles(data.MailFolder, "*.partial"));
        Assert.All(File.ReadLines(Directory.GetFiles(data.MailFolder, "*.eml").Single()), line => Assert.True(line.Length <= 998));
    }
}
