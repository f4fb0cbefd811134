using Corrections.Tests.Infrastructure;
using MimeKit;

namespace Corrections.Tests.Email;

public sealed class PickupDirectoryTests() : ServiceTest(TestRelay.None)
{
    [Fact]
    public async Task Without_an_SMTP_host_the_editors_mail_is_written_as_an_eml_file_to_the_pickup_folder()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        await App.WaitUntilAsync(() => Task.FromResult(Directory.Exists(Data.MailFolder) && Directory.GetFiles(Data.MailFolder, "*.eml").Length == 1));

        var mail = await MimeMessage.LoadAsync(Directory.GetFiles(Data.MailFolder, "*.eml").Single());
        Assert.StartsWith($"report-{id:N}.", mail.MessageId);
        Assert.Equal("editors@news.example.org", mail.To.Mailboxes.Single().Address);
        Assert.Empty(Directory.GetFiles(Data.MailFolder, "*.partial"));
        Assert.All(File.ReadLines(Directory.GetFiles(Data.MailFolder, "*.eml").Single()), line => Assert.True(line.Length <= 998));
    }
}
