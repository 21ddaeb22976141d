<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AttentionView</name>
    <message>
        <source>The text the model read before drawing the token, each token shaded by the attention the drawn token&apos;s query paid it: the darker, the more it looked there.</source>
        <translation>模型在生成该词元之前读到的文本；每个词元的底色表示所生成词元的查询向量对它的注意力：颜色越深，关注越多。</translation>
    </message>
    <message>
        <source>The layer whose attention is shown, or their average</source>
        <translation>显示哪一层的注意力，或各层的平均</translation>
    </message>
    <message>
        <source>The attention head shown, or the average of them</source>
        <translation>显示哪个注意力头，或各头的平均</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>头</translation>
    </message>
    <message>
        <source>Average of all layers</source>
        <translation>所有层的平均</translation>
    </message>
    <message>
        <source>Layer {0}</source>
        <translation>第 {0} 层</translation>
    </message>
    <message>
        <source>Average of all heads</source>
        <translation>所有头的平均</translation>
    </message>
    <message>
        <source>Head {0}</source>
        <translation>第 {0} 个头</translation>
    </message>
    <message>
        <source>Most attended: {0}</source>
        <translation>关注最多：{0}</translation>
    </message>
</context>
<context>
    <name>BranchTree</name>
    <message>
        <source>Fork</source>
        <translation>分叉</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>Text after it</source>
        <translation>其后的文字</translation>
    </message>
    <message>
        <source>The run and its branches. Click one to show its text. Keys: Up and Down go to the sibling branches, Left to the run it branched from, Right to its first branch.</source>
        <translation>这次运行及其分支。点击一项即显示它的文字。按键：上、下键切换到同级分支，左键回到它分出的运行，右键进入它的第一个分支。</translation>
    </message>
    <message>
        <source>Picture</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>#{0} → {1}</source>
        <translation>第{0}个 → {1}</translation>
    </message>
    <message>
        <source>Token {0} chosen by hand: {1}; the model gave it {2} (after the sampling stages: {3})</source>
        <translation>第 {0} 个词元为手选：{1}；模型给它的概率为 {2}（经过采样各阶段后：{3}）</translation>
    </message>
    <message>
        <source>({0}, {1}) → {2}</source>
        <translation>像素 ({0}, {1}) → {2}</translation>
    </message>
    <message>
        <source>Pixel ({0}, {1}) of sample {2} chosen by hand: value {3}; the model gave it {4} (after the sampling stages: {5}). The pixels after it were drawn again.</source>
        <translation>样本 {2} 的像素 ({0}, {1}) 为手选：值 {3}；模型给它的概率是 {4}（经过采样各阶段后：{5}）。其后的像素重新绘制。</translation>
    </message>
</context>
<context>
    <name>ChatBar</name>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>The prompt is your message to the model, written out by the model&apos;s chat template; its answer ends at its end of turn. Continue sends your next message.</source>
        <translation>提示词即你发给模型的消息，由模型的对话模板写成完整格式；模型的回答在其回合结束处停止。“续写”会发送你的下一条消息。</translation>
    </message>
    <message>
        <source>System prompt (optional)</source>
        <translation>系统提示词（可选）</translation>
    </message>
    <message>
        <source>A system message before the conversation (the model&apos;s instructions).</source>
        <translation>对话之前的系统消息（给模型的指示）。</translation>
    </message>
    <message>
        <source>Your next message, then Continue (Ctrl+Shift+Return)</source>
        <translation>你的下一条消息，然后按“续写”（Ctrl+Shift+Return）</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <source>Compare A/B</source>
        <translation>A/B 对比</translation>
    </message>
    <message>
        <source>Run to compare.</source>
        <translation>运行即可对比。</translation>
    </message>
    <message>
        <source>Run A and B</source>
        <translation>运行 A 和 B</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>&lt;b&gt;A&lt;/b&gt;: the sampling panel&apos;s settings</source>
        <translation>&lt;b&gt;A&lt;/b&gt;：采样面板的设置</translation>
    </message>
    <message>
        <source>&lt;b&gt;B&lt;/b&gt;: change any of them</source>
        <translation>&lt;b&gt;B&lt;/b&gt;：可改动其中任意一项</translation>
    </message>
    <message>
        <source>seed: {0}</source>
        <translation>种子：{0}</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Running A and B…</source>
        <translation>正在运行 A 和 B…</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>Seed {0}: A and B give the same tokens ({1}).</source>
        <translation>种子 {0}：A 和 B 生成的词元相同（{1}）。</translation>
    </message>
    <message>
        <source>the stage that made the difference: &lt;b&gt;{0}&lt;/b&gt; ({1} → {2})</source>
        <translation>造成差异的阶段：&lt;b&gt;{0}&lt;/b&gt;（{1} → {2}）</translation>
    </message>
    <message>
        <source>no sampling stage made the difference</source>
        <translation>没有哪个采样阶段造成差异</translation>
    </message>
    <message>
        <source>Seed {0}: they part at token {1}, A &lt;b&gt;{2}&lt;/b&gt; ({3}) and B &lt;b&gt;{4}&lt;/b&gt; ({5}); {6}. {7}</source>
        <translation>种子 {0}：两者在第 {1} 个词元分开，A 为 &lt;b&gt;{2}&lt;/b&gt;（{3}），B 为 &lt;b&gt;{4}&lt;/b&gt;（{5}）；{6}。{7}</translation>
    </message>
    <message>
        <source>The comparison could not run: {0}</source>
        <translation>无法运行对比：{0}</translation>
    </message>
</context>
<context>
    <name>CrossAttentionDialog</name>
    <message>
        <source>Cross-attention</source>
        <translation>交叉注意力</translation>
    </message>
    <message>
        <source>The decoder layer whose attention is shown.</source>
        <translation>显示其注意力的解码器层。</translation>
    </message>
    <message>
        <source>The attention head shown.</source>
        <translation>显示的注意力头。</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>头</translation>
    </message>
    <message>
        <source>Computing the cross-attention of “{0}”…</source>
        <translation>正在计算“{0}”的交叉注意力…</translation>
    </message>
    <message>
        <source>Layer {0}</source>
        <translation>第 {0} 层</translation>
    </message>
    <message>
        <source>Head {0}</source>
        <translation>第 {0} 个头</translation>
    </message>
    <message>
        <source>Average</source>
        <translation>平均</translation>
    </message>
    <message>
        <source>Rows: the characters written; columns: the source&apos;s tokens. Row by row, where the decoder looked in the source when it chose that character (each row sums to 1). Hover a cell for its weight.</source>
        <translation>行：写出的字；列：原文的词元。每一行是解码器选出该字时在原文中看向哪里（每行之和为 1）。将指针悬停在格子上可看其权重。</translation>
    </message>
    <message>
        <source>{0} → {1}: {2:.4f}</source>
        <translation>{0} → {1}：权重 {2:.4f}</translation>
    </message>
</context>
<context>
    <name>Device</name>
    <message>
        <source>cpu, {0} thread</source>
        <translation>CPU，{0} 个线程</translation>
    </message>
    <message>
        <source>cpu, {0} threads</source>
        <translation>CPU，{0} 个线程</translation>
    </message>
</context>
<context>
    <name>DistributionBars</name>
    <message>
        <source>no distribution</source>
        <translation>没有分布</translation>
    </message>
    <message>
        <source>most likely</source>
        <translation>最可能</translation>
    </message>
    <message>
        <source>least likely</source>
        <translation>最不可能</translation>
    </message>
    <message>
        <source>top {0} of {1}</source>
        <translation>前 {0} 个，共 {1} 个</translation>
    </message>
    <message>
        <source>0 black</source>
        <translation>0 黑</translation>
    </message>
    <message>
        <source>255 white</source>
        <translation>255 白</translation>
    </message>
    <message>
        <source>grey {0}</source>
        <translation>灰度 {0}</translation>
    </message>
</context>
<context>
    <name>DistributionView</name>
    <message>
        <source>Hover a pixel to see the distribution it was drawn from.</source>
        <translation>将鼠标悬停在像素上，查看它是从哪个分布中采样的。</translation>
    </message>
    <message>
        <source>colour {0}</source>
        <translation>颜色 {0}</translation>
    </message>
    <message>
        <source>grey {0}</source>
        <translation>灰度 {0}</translation>
    </message>
    <message>
        <source>Sample {0}, pixel ({1}, {2}): {3}, drawn with p = {4:.3f}; entropy {5:.2f} nats</source>
        <translation>样本 {0}，像素 ({1}, {2})：{3}，采样概率 p = {4:.3f}；熵 {5:.2f} 奈特</translation>
    </message>
    <message>
        <source>The model gave it p = {0:.3f} before the sampling stages.</source>
        <translation>经过采样各阶段之前，模型给出的概率为 p = {0:.3f}。</translation>
    </message>
    <message>
        <source>(the full distribution is kept only for the run on screen)</source>
        <translation>（只有当前显示的这次运行保留完整分布）</translation>
    </message>
    <message>
        <source>Most likely: {0}</source>
        <translation>最可能：{0}</translation>
    </message>
    <message>
        <source>Sample {0}, pixel ({1}, {2}): kept from the drawing, not drawn by the model.</source>
        <translation>样本 {0}，像素 ({1}, {2})：保留自手绘，不是模型生成的。</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <source>Download Model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>owner/name, e.g. Qwen/Qwen3-0.6B</source>
        <translation>所有者/名称，例如 Qwen/Qwen3-0.6B</translation>
    </message>
    <message>
        <source>optional: one NAME.gguf file of it</source>
        <translation>可选：其中一个 NAME.gguf 文件</translation>
    </message>
    <message>
        <source>main (the default branch), a tag or a commit</source>
        <translation>main（默认分支）、标签或提交</translation>
    </message>
    <message>
        <source>Repository:</source>
        <translation>仓库：</translation>
    </message>
    <message>
        <source>GGUF file:</source>
        <translation>GGUF 文件：</translation>
    </message>
    <message>
        <source>Revision:</source>
        <translation>版本：</translation>
    </message>
    <message>
        <source>From the Hugging Face Hub into your model folder: the config, tokenizer, chat template, safetensors weights, README and license (or one GGUF file). A cancelled download goes on where it stopped when you download it again.</source>
        <translation>从 Hugging Face Hub 下载到你的模型文件夹：配置、分词器、对话模板、safetensors 权重、README 和许可证（或一个 GGUF 文件）。取消的下载在再次下载时会从中断处继续。</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Write the repository to download, as owner/name.</source>
        <translation>请填写要下载的仓库，格式为 所有者/名称。</translation>
    </message>
    <message>
        <source>Asking the Hub for {0}…</source>
        <translation>正在向 Hub 查询 {0}…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>{0}/s</source>
        <translation>{0}/秒</translation>
    </message>
    <message>
        <source>{0} of {1} · {2} · {3} left · {4}</source>
        <translation>{0} / {1} · {2} · 剩余 {3} · {4}</translation>
    </message>
    <message>
        <source>Downloaded to {0}; it is now in the model list.</source>
        <translation>已下载到 {0}，现已列入模型列表。</translation>
    </message>
    <message>
        <source>Could not download: {0}</source>
        <translation>无法下载：{0}</translation>
    </message>
    <message>
        <source>Cancelled. Download the same repository again to go on where it stopped.</source>
        <translation>已取消。再次下载同一仓库即可从中断处继续。</translation>
    </message>
</context>
<context>
    <name>DrawingTools</name>
    <message>
        <source>Draw</source>
        <translation>绘制</translation>
    </message>
    <message>
        <source>Paint pixels to keep (left button) or erase them (right button), then Complete.</source>
        <translation>绘制要保留的像素（左键）或擦除它们（右键），然后点击“补全”。</translation>
    </message>
    <message>
        <source>grey </source>
        <translation>灰度 </translation>
    </message>
    <message>
        <source>The grey level to paint: 0 black, 255 white.</source>
        <translation>要绘制的灰度：0 为黑，255 为白。</translation>
    </message>
    <message>
        <source>The palette colour to paint.</source>
        <translation>要绘制的调色板颜色。</translation>
    </message>
    <message>
        <source>Load Image…</source>
        <translation>载入图像…</translation>
    </message>
    <message>
        <source>An image of the model&apos;s size to complete: transparent pixels are drawn, an opaque image keeps its top half.</source>
        <translation>载入与模型尺寸相同的图像来补全：透明像素由模型生成；不透明的图像保留上半部分。</translation>
    </message>
    <message>
        <source>Clear Drawing</source>
        <translation>清除绘制</translation>
    </message>
    <message>
        <source>Choose an image model first.</source>
        <translation>请先选择图像模型。</translation>
    </message>
    <message>
        <source>Load an image to complete</source>
        <translation>载入要补全的图像</translation>
    </message>
    <message>
        <source>Images (*.png *.gif *.bmp *.jpg);;All files (*)</source>
        <translation>图像 (*.png *.gif *.bmp *.jpg);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Loaded {0}: {1} pixels are kept. Paint or erase pixels, then press Complete.</source>
        <translation>已载入 {0}：保留 {1} 个像素。可继续绘制或擦除像素，然后点击“补全”。</translation>
    </message>
</context>
<context>
    <name>ExplainPanel</name>
    <message>
        <source>a prompt, e.g. the start of a line of the data</source>
        <translation>提示词，例如数据中某一行的开头</translation>
    </message>
    <message>
        <source>Which character: its distribution given the ones before it</source>
        <translation>哪个字符：给定它之前的字符时它的分布</translation>
    </message>
    <message>
        <source>Explain</source>
        <translation>解释</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Snapshots appear here as a text model trains.</source>
        <translation>文本模型训练时，快照会出现在这里。</translation>
    </message>
    <message>
        <source>“%1” after “%2”</source>
        <translation>“%2”之后的“%1”</translation>
    </message>
    <message>
        <source>the character after “%1”</source>
        <translation>“%1”之后的字符</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <source>The prompt&apos;s own character</source>
        <translation>提示词中本来的字符</translation>
    </message>
</context>
<context>
    <name>Help</name>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>About AIGC Studio</source>
        <translation>关于 AIGC Studio</translation>
    </message>
    <message>
        <source>&lt;h3&gt;AIGC Studio {0}&lt;/h3&gt;&lt;p&gt;Watch generative models write and draw, one token or pixel at a time, and see the probabilities behind each choice.&lt;/p&gt;&lt;p&gt;The data and license of each model are in its card (View &amp;gt; Model Card).&lt;/p&gt;&lt;p&gt;Qt {1}, PySide6 {2}.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;AIGC Studio {0}&lt;/h3&gt;&lt;p&gt;观看生成模型逐个词元、逐个像素地写作和绘画，并查看每次选择背后的概率。&lt;/p&gt;&lt;p&gt;每个模型的数据和许可证写在它的模型卡片里（视图 &amp;gt; 模型卡片）。&lt;/p&gt;&lt;p&gt;Qt {1}，PySide6 {2}。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Search history…</source>
        <translation>搜索历史记录…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the selected run from the history.</source>
        <translation>从历史记录中删除所选运行。</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Export the selected run to .txt, .md or .json.</source>
        <translation>将所选运行导出为 .txt、.md 或 .json。</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>1 branch</source>
        <translation>1 个分支</translation>
    </message>
    <message>
        <source>{0} branches</source>
        <translation>{0} 个分支</translation>
    </message>
    <message>
        <source>pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>个词元</translation>
    </message>
    <message>
        <source>{0} {1}, stopped by {2}</source>
        <translation>{0} {1}，停止原因：{2}</translation>
    </message>
</context>
<context>
    <name>ImageBranches</name>
    <message>
        <source>Branches</source>
        <translation>分支</translation>
    </message>
    <message>
        <source>The run and its pixel branches. Click one to show its picture. Keys: Up and Down go to the sibling branches, Left to the run it branched from, Right to its first branch.</source>
        <translation>这次运行及其像素分支。点击一项显示它的图片。按键：上、下切换到同级分支，左回到它分叉自的运行，右进入它的第一个分支。</translation>
    </message>
    <message>
        <source>{0} pictures, seed {1}</source>
        <translation>{0} 张图片，种子 {1}</translation>
    </message>
    <message>
        <source>seed {0}</source>
        <translation>种子 {0}</translation>
    </message>
    <message>
        <source>Chosen by hand (a branch), not drawn.</source>
        <translation>手选（一个分支），不是抽样得到的。</translation>
    </message>
    <message>
        <source>Branch here with</source>
        <translation>在此处分叉，改用</translation>
    </message>
    <message>
        <source>Every pixel before ({0}, {1}) as it is, this value there, and the rest drawn again.</source>
        <translation>({0}, {1}) 之前的像素保持不变，此处改为这个值，其余像素重新绘制。</translation>
    </message>
    <message>
        <source>(the distribution of this pixel is not kept: type a value)</source>
        <translation>（未保存这个像素的分布：请输入一个值）</translation>
    </message>
    <message>
        <source>Type a value…</source>
        <translation>输入一个值…</translation>
    </message>
    <message>
        <source>Only sample {0} is branched, as a picture of its own.</source>
        <translation>只对样本 {0} 分叉，成为一张单独的图片。</translation>
    </message>
    <message>
        <source>grey {0}</source>
        <translation>灰度 {0}</translation>
    </message>
    <message>
        <source>colour {0} (#{1:02x}{2:02x}{3:02x})</source>
        <translation>颜色 {0} (#{1:02x}{2:02x}{3:02x})</translation>
    </message>
    <message>
        <source>The grey level for pixel ({0}, {1}), 0 (black) to 255 (white):</source>
        <translation>像素 ({0}, {1}) 的灰度，0（黑）到 255（白）：</translation>
    </message>
    <message>
        <source>The palette index for pixel ({0}, {1}), 0 to {2}:</source>
        <translation>像素 ({0}, {1}) 的调色板序号，0 到 {2}：</translation>
    </message>
    <message>
        <source>Branch here</source>
        <translation>在此分叉</translation>
    </message>
    <message>
        <source>{0} is not a value of this model (0 to {1}).</source>
        <translation>{0} 不是这个模型的取值（应为 0 到 {1}）。</translation>
    </message>
    <message>
        <source>These pictures were drawn by {0}: open that model to branch them.</source>
        <translation>这些图片由 {0} 绘制：请打开该模型再分叉。</translation>
    </message>
    <message>
        <source>pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>pixels/s</source>
        <translation>像素/秒</translation>
    </message>
    <message>
        <source>first pixel –</source>
        <translation>首像素 –</translation>
    </message>
    <message>
        <source>The run could not be saved to the history: {0}</source>
        <translation>无法将这次运行保存到历史记录：{0}</translation>
    </message>
</context>
<context>
    <name>ImageRunner</name>
    <message>
        <source>pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>pixels/s</source>
        <translation>像素/秒</translation>
    </message>
    <message>
        <source>first pixel –</source>
        <translation>首像素 –</translation>
    </message>
    <message>
        <source>first pixel {0:.0f} ms</source>
        <translation>首像素 {0:.0f} 毫秒</translation>
    </message>
    <message>
        <source>{0:.0f} pixels/s</source>
        <translation>{0:.0f} 像素/秒</translation>
    </message>
    <message>
        <source>stopped: the engine ended</source>
        <translation>已停止：引擎已结束</translation>
    </message>
    <message>
        <source>{0} was drawn by {1}, which is not available; open that model.</source>
        <translation>{0} 由 {1} 绘制，但该模型不可用；请打开那个模型。</translation>
    </message>
    <message>
        <source>Restored the settings of {0}: press Generate to draw it again.</source>
        <translation>已恢复 {0} 的设置：点击“生成”即可重新绘制。</translation>
    </message>
    <message>
        <source>Could not show this run: {0}</source>
        <translation>无法显示这次运行：{0}</translation>
    </message>
    <message>
        <source>{0} pixels</source>
        <translation>{0} 像素</translation>
    </message>
    <message>
        <source>{0}: export images to .png, .gif or .json</source>
        <translation>{0}：图片请导出为 .png、.gif 或 .json</translation>
    </message>
    <message>
        <source>Could not export: {0}. Nothing was written.</source>
        <translation>无法导出：{0}。未写入任何内容。</translation>
    </message>
    <message>
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
</context>
<context>
    <name>ImageStepMode</name>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Draw one pixel and pause with its sampling stages: you are the sampler (F10).</source>
        <translation>画一个像素并停下，显示它的各采样阶段：由你来当采样器（F10）。</translation>
    </message>
    <message>
        <source>Step mode: sample 0, seed {0}.</source>
        <translation>单步模式：样本 0，种子 {0}。</translation>
    </message>
    <message>
        <source>pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>pixels/s</source>
        <translation>像素/秒</translation>
    </message>
    <message>
        <source>first pixel –</source>
        <translation>首像素 –</translation>
    </message>
</context>
<context>
    <name>ImageWorkspace</name>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Draw new images pixel by pixel (Ctrl+Return).</source>
        <translation>逐像素绘制新图像（Ctrl+Return）。</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>补全</translation>
    </message>
    <message>
        <source>Draw the rest around the pixels you drew or loaded, keeping them exactly.</source>
        <translation>围绕你绘制或载入的像素生成其余部分，这些像素原样保留。</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop and keep the pixels so far (Esc).</source>
        <translation>停止并保留已生成的像素（Esc）。</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Save the picture as PNG with its settings, or the drawing as a GIF (Ctrl+S).</source>
        <translation>将图片连同设置保存为 PNG，或将绘制过程保存为 GIF（Ctrl+S）。</translation>
    </message>
    <message>
        <source>{0} image(s)</source>
        <translation>{0} 张图像</translation>
    </message>
    <message>
        <source>How many images to draw at once, each its own seed.</source>
        <translation>一次绘制几张图像，每张使用各自的种子。</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>The class to draw, or any class.</source>
        <translation>要绘制的类别，或任意类别。</translation>
    </message>
    <message>
        <source>Guidance</source>
        <translation>引导强度</translation>
    </message>
    <message>
        <source>How hard the label steers each pixel: 1 draws from the model as trained; higher values push away from &apos;any&apos; toward the label (classifier-free guidance), at twice the compute.</source>
        <translation>标签对每个像素的引导力度：1 按模型训练时的分布采样；更大的值会远离“任意”、更接近所选标签（无分类器引导），计算量翻倍。</translation>
    </message>
    <message>
        <source>Time between pixels: from as fast as possible to slow enough to follow.</source>
        <translation>像素之间的间隔：从尽可能快到慢得足以看清每一步。</translation>
    </message>
    <message>
        <source>Pace</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Pixel grid</source>
        <translation>像素网格</translation>
    </message>
    <message>
        <source>Lines between the pixels.</source>
        <translation>在像素之间画线。</translation>
    </message>
    <message>
        <source>Entropy map</source>
        <translation>熵图</translation>
    </message>
    <message>
        <source>Colour each pixel by the entropy of its distribution: red = uncertain.</source>
        <translation>按每个像素分布的熵着色：红色表示不确定。</translation>
    </message>
    <message>
        <source>Choose an image model in the picker.</source>
        <translation>请在模型选择器中选择图像模型。</translation>
    </message>
    <message>
        <source>any</source>
        <translation>任意</translation>
    </message>
    <message>
        <source>{0}: {1}x{2} pixels. Generate, or draw some pixels and Complete.</source>
        <translation>{0}：{1}×{2} 像素。点击“生成”，或先绘制一些像素再点击“补全”。</translation>
    </message>
    <message>
        <source>as fast as possible</source>
        <translation>尽可能快</translation>
    </message>
    <message>
        <source>{0} ms per pixel</source>
        <translation>每像素 {0} 毫秒</translation>
    </message>
    <message>
        <source>Choose an image model (digits or emoji) in the model picker first.</source>
        <translation>请先在模型选择器中选择图像模型（digits 或 emoji）。</translation>
    </message>
    <message>
        <source>Nothing to complete: switch on Draw and paint some pixels, or load an image.</source>
        <translation>没有可补全的内容：请勾选“绘制”并画一些像素，或载入一张图像。</translation>
    </message>
    <message>
        <source>Drawing…</source>
        <translation>正在绘制…</translation>
    </message>
    <message>
        <source>{0} / {1} pixels</source>
        <translation>{0} / {1} 像素</translation>
    </message>
    <message>
        <source>{0:.0f} pixels/s</source>
        <translation>{0:.0f} 像素/秒</translation>
    </message>
    <message>
        <source> in each of {0} images</source>
        <translation>（{0} 张图像各自）</translation>
    </message>
    <message>
        <source>The run failed; nothing was drawn.</source>
        <translation>运行失败，未绘制任何内容。</translation>
    </message>
    <message>
        <source>{0} pixels{1} · {2:.0f} pixels/s · seed {3} · {4}</source>
        <translation>{0} 个像素{1} · 每秒 {2:.0f} 个像素 · 种子 {3} · {4}</translation>
    </message>
    <message>
        <source>Stopped at {0}{1}: the engine ended.</source>
        <translation>停止于 {0}{1}：引擎已结束。</translation>
    </message>
    <message>
        <source>Pixel ({0}, {1}) is not drawn yet.</source>
        <translation>像素 ({0}, {1}) 尚未绘制。</translation>
    </message>
</context>
<context>
    <name>LensView</name>
    <message>
        <source>What the model would predict if it stopped early: the residual stream at this position after each layer, through the final norm and the unembedding. The last row is the model&apos;s own distribution.</source>
        <translation>假如模型提前停下会预测什么：将此位置在每一层之后的残差流经过最终归一化和反嵌入。最后一行就是模型自己的分布。</translation>
    </message>
    <message>
        <source>Embedding</source>
        <translation>嵌入</translation>
    </message>
    <message>
        <source>Layer {0}</source>
        <translation>第 {0} 层</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; first leads at: {1}</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; 最早领先于：{1}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; leads at no depth: the model did not make it its first choice</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; 在任何一层都未领先：模型没有把它作为首选</translation>
    </message>
    <message>
        <source>1st</source>
        <translation>第 1</translation>
    </message>
    <message>
        <source>2nd</source>
        <translation>第 2</translation>
    </message>
    <message>
        <source>3rd</source>
        <translation>第 3</translation>
    </message>
    <message>
        <source>4th</source>
        <translation>第 4</translation>
    </message>
    <message>
        <source>5th</source>
        <translation>第 5</translation>
    </message>
    <message>
        <source>Drawn: {0}</source>
        <translation>采样结果：{0}</translation>
    </message>
    <message>
        <source>token id {0}</source>
        <translation>词元编号 {0}</translation>
    </message>
    <message>
        <source>{0} (#{1})</source>
        <translation>{0}（第{1}名）</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <source>training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>held-out</source>
        <translation>留出集</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The window shows the new language when AIGC Studio restarts. Restart now? The prompt, settings and model are kept.</source>
        <translation>重新启动 AIGC Studio 后窗口将使用新的语言。现在重新启动吗？提示词、设置和模型都会保留。</translation>
    </message>
    <message>
        <source>Restart Now</source>
        <translation>立即重新启动</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Follow the &amp;System</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <source>AIGC Studio</source>
        <translation>AIGC Studio</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>0 tokens</source>
        <translation>0 个词元</translation>
    </message>
    <message>
        <source>– tok/s</source>
        <translation>– 词元/秒</translation>
    </message>
    <message>
        <source>first token –</source>
        <translation>首词元 –</translation>
    </message>
    <message>
        <source>Generating once the model is loaded…</source>
        <translation>模型加载完成后即开始生成…</translation>
    </message>
    <message>
        <source>Choose an image model (digits or emoji) in the model picker first.</source>
        <translation>请先在模型选择器中选择图像模型（digits 或 emoji）。</translation>
    </message>
    <message>
        <source>Choose a model first, or open one with File &gt; Open Model…</source>
        <translation>请先选择模型，或通过“文件 &gt; 打开模型…”打开一个模型</translation>
    </message>
    <message>
        <source>Stop the run first, then open another.</source>
        <translation>请先停止当前运行，再打开其他运行。</translation>
    </message>
    <message>
        <source>The model of this run ({0}) is not available; open it to draw again.</source>
        <translation>这次运行所用的模型（{0}）不可用；打开该模型即可重新绘制。</translation>
    </message>
    <message>
        <source>The model of this run ({0}) is not available; open it to generate again.</source>
        <translation>这次运行所用的模型（{0}）不可用；打开该模型即可重新生成。</translation>
    </message>
    <message>
        <source>Could not open {0}: {1}</source>
        <translation>无法打开 {0}：{1}</translation>
    </message>
    <message>
        <source>Copied the text.</source>
        <translation>已复制文本。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open an exported run (.json), an exported image (.png) or a model file</source>
        <translation>打开导出的运行（.json）、导出的图像（.png）或模型文件</translation>
    </message>
    <message>
        <source>Open &amp;Model…</source>
        <translation>打开模型(&amp;M)…</translation>
    </message>
    <message>
        <source>Open a model file</source>
        <translation>打开模型文件</translation>
    </message>
    <message>
        <source>Open Model &amp;Folder…</source>
        <translation>打开模型文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Open a Hugging Face GPT-2 or nanoGPT folder</source>
        <translation>打开 Hugging Face GPT-2 或 nanoGPT 模型文件夹</translation>
    </message>
    <message>
        <source>&amp;Download Model…</source>
        <translation>下载模型(&amp;D)…</translation>
    </message>
    <message>
        <source>Download a model from the Hugging Face Hub into your model folder</source>
        <translation>从 Hugging Face Hub 下载模型到你的模型文件夹</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Export the run as .txt, .md or .json, or the image as .png or .gif</source>
        <translation>将运行导出为 .txt、.md 或 .json，或将图像导出为 .png 或 .gif</translation>
    </message>
    <message>
        <source>&amp;Copy Text</source>
        <translation>复制文本(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the prompt and the generated text</source>
        <translation>复制提示词和生成的文本</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Continue</source>
        <translation>续写(&amp;C)</translation>
    </message>
    <message>
        <source>Generate on from the end of the text</source>
        <translation>从文本末尾继续生成</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Probability Colours</source>
        <translation>概率着色(&amp;P)</translation>
    </message>
    <message>
        <source>Model &amp;Card…</source>
        <translation>模型卡片(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Search History</source>
        <translation>搜索历史记录(&amp;S)</translation>
    </message>
    <message>
        <source>Find a past run by its text or model</source>
        <translation>按文本或模型查找以往的运行</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About AIGC Studio</source>
        <translation>关于 AIGC Studio(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Precision</source>
        <translation>精度(&amp;P)</translation>
    </message>
</context>
<context>
    <name>ModelCard</name>
    <message>
        <source>pairs</source>
        <translation>句对数</translation>
    </message>
    <message>
        <source>train pairs</source>
        <translation>训练句对</translation>
    </message>
    <message>
        <source>heldout pairs</source>
        <translation>留出句对</translation>
    </message>
    <message>
        <source>chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>heldout loss nats per token</source>
        <translation>留出损失（奈特/词元）</translation>
    </message>
    <message>
        <source>bleu greedy</source>
        <translation>BLEU（贪心）</translation>
    </message>
    <message>
        <source>chrf greedy</source>
        <translation>chrF（贪心）</translation>
    </message>
    <message>
        <source>bleu beam4</source>
        <translation>BLEU（束宽 4）</translation>
    </message>
    <message>
        <source>chrf beam4</source>
        <translation>chrF（束宽 4）</translation>
    </message>
    <message>
        <source>float32</source>
        <translation>float32 下</translation>
    </message>
    <message>
        <source>src vocab</source>
        <translation>源语言词表</translation>
    </message>
    <message>
        <source>tgt vocab</source>
        <translation>目标语言词表</translation>
    </message>
    <message>
        <source>d model</source>
        <translation>模型宽度</translation>
    </message>
    <message>
        <source>enc layers</source>
        <translation>编码器层数</translation>
    </message>
    <message>
        <source>dec layers</source>
        <translation>解码器层数</translation>
    </message>
    <message>
        <source>d ff</source>
        <translation>前馈层宽度</translation>
    </message>
    <message>
        <source>max src</source>
        <translation>最长源文本</translation>
    </message>
    <message>
        <source>max tgt</source>
        <translation>最长译文</translation>
    </message>
    <message>
        <source>src pad</source>
        <translation>源填充符</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>resumed with</source>
        <translation>续训命令</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>from</source>
        <translation>来自</translation>
    </message>
    <message>
        <source>version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>license</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>credit</source>
        <translation>署名</translation>
    </message>
    <message>
        <source>files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>split</source>
        <translation>数据划分</translation>
    </message>
    <message>
        <source>corpus</source>
        <translation>语料</translation>
    </message>
    <message>
        <source>characters</source>
        <translation>字符数</translation>
    </message>
    <message>
        <source>images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <source>preprocessing</source>
        <translation>预处理</translation>
    </message>
    <message>
        <source>why downsampled</source>
        <translation>降采样原因</translation>
    </message>
    <message>
        <source>val fraction</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <source>label drop</source>
        <translation>标签丢弃率</translation>
    </message>
    <message>
        <source>heldout bits per dim</source>
        <translation>留出集每维比特数</translation>
    </message>
    <message>
        <source>heldout bits per dim any digit</source>
        <translation>留出集每维比特数（任意数字）</translation>
    </message>
    <message>
        <source>heldout images</source>
        <translation>留出集图像数</translation>
    </message>
    <message>
        <source>train bits per dim</source>
        <translation>训练集每维比特数</translation>
    </message>
    <message>
        <source>train bits per dim first 1000</source>
        <translation>训练集每维比特数（前 1000 张）</translation>
    </message>
    <message>
        <source>palette rmse heldout</source>
        <translation>留出集调色板均方根误差</translation>
    </message>
    <message>
        <source>val loss nats per token</source>
        <translation>验证损失（奈特/词元）</translation>
    </message>
    <message>
        <source>val bits per char</source>
        <translation>验证集每字符比特数</translation>
    </message>
    <message>
        <source>val tokens</source>
        <translation>验证集词元数</translation>
    </message>
    <message>
        <source>regular form share</source>
        <translation>格律规整比例</translation>
    </message>
    <message>
        <source>regular form check</source>
        <translation>格律检查</translation>
    </message>
    <message>
        <source>note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>height</source>
        <translation>高度</translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>channels</source>
        <translation>通道数</translation>
    </message>
    <message>
        <source>n layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>kernel</source>
        <translation>卷积核大小</translation>
    </message>
    <message>
        <source>n classes</source>
        <translation>类别数</translation>
    </message>
    <message>
        <source>n mix</source>
        <translation>混合分量数</translation>
    </message>
    <message>
        <source>head channels</source>
        <translation>输出头通道数</translation>
    </message>
    <message>
        <source>position bias</source>
        <translation>位置偏置</translation>
    </message>
    <message>
        <source>block size</source>
        <translation>上下文窗口（block_size）</translation>
    </message>
    <message>
        <source>vocab size</source>
        <translation>词表大小</translation>
    </message>
    <message>
        <source>n layer</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>n head</source>
        <translation>注意力头数</translation>
    </message>
    <message>
        <source>n embd</source>
        <translation>嵌入维度</translation>
    </message>
    <message>
        <source>dropout</source>
        <translation>Dropout 比例</translation>
    </message>
    <message>
        <source>bias</source>
        <translation>偏置</translation>
    </message>
    <message>
        <source>layer norm epsilon</source>
        <translation>层归一化 epsilon</translation>
    </message>
    <message>
        <source>model class</source>
        <translation>模型类</translation>
    </message>
    <message>
        <source>parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>n kv head</source>
        <translation>键值头数</translation>
    </message>
    <message>
        <source>dim</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>head dim</source>
        <translation>每头维度</translation>
    </message>
    <message>
        <source>intermediate size</source>
        <translation>前馈层宽度</translation>
    </message>
    <message>
        <source>norm eps</source>
        <translation>归一化 epsilon</translation>
    </message>
    <message>
        <source>rope theta</source>
        <translation>RoPE 基数</translation>
    </message>
    <message>
        <source>rope type</source>
        <translation>RoPE 缩放方式</translation>
    </message>
    <message>
        <source>rope factor</source>
        <translation>RoPE 缩放倍数</translation>
    </message>
    <message>
        <source>rope low freq factor</source>
        <translation>RoPE 低频系数</translation>
    </message>
    <message>
        <source>rope high freq factor</source>
        <translation>RoPE 高频系数</translation>
    </message>
    <message>
        <source>rope original context</source>
        <translation>RoPE 原始上下文长度</translation>
    </message>
    <message>
        <source>qkv bias</source>
        <translation>q/k/v 偏置</translation>
    </message>
    <message>
        <source>o bias</source>
        <translation>输出投影偏置</translation>
    </message>
    <message>
        <source>mlp bias</source>
        <translation>MLP 偏置</translation>
    </message>
    <message>
        <source>qk norm</source>
        <translation>q/k 归一化</translation>
    </message>
    <message>
        <source>tie embeddings</source>
        <translation>输入输出嵌入共享</translation>
    </message>
    <message>
        <source>base model</source>
        <translation>基础模型</translation>
    </message>
    <message>
        <source>license name</source>
        <translation>许可证名称</translation>
    </message>
    <message>
        <source>license link</source>
        <translation>许可证链接</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>model name</source>
        <translation>模型名称</translation>
    </message>
    <message>
        <source>organization</source>
        <translation>机构</translation>
    </message>
    <message>
        <source>source url</source>
        <translation>来源网址</translation>
    </message>
    <message>
        <source>url</source>
        <translation>网址</translation>
    </message>
    <message>
        <source>repository</source>
        <translation>仓库</translation>
    </message>
    <message>
        <source>do sample</source>
        <translation>随机采样</translation>
    </message>
    <message>
        <source>temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>top k</source>
        <translation>Top-k 采样</translation>
    </message>
    <message>
        <source>top p</source>
        <translation>Top-p 采样</translation>
    </message>
    <message>
        <source>min p</source>
        <translation>Min-p 采样</translation>
    </message>
    <message>
        <source>repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟数</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>hyper</source>
        <translation>超参数</translation>
    </message>
    <message>
        <source>images seen</source>
        <translation>已训练图像数</translation>
    </message>
    <message>
        <source>tokens seen</source>
        <translation>已训练词元数</translation>
    </message>
    <message>
        <source>threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <source>init from</source>
        <translation>初始化自</translation>
    </message>
    <message>
        <source>augmentation</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <source>preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>shipped with the studio</source>
        <translation>随 AIGC Studio 附带</translation>
    </message>
    <message>
        <source>your model folder</source>
        <translation>你的模型文件夹</translation>
    </message>
    <message>
        <source>opened</source>
        <translation>已打开的文件</translation>
    </message>
    <message>
        <source>Data and license</source>
        <translation>数据与许可证</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Sampling defaults</source>
        <translation>默认采样设置</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
</context>
<context>
    <name>ModelCardDialog</name>
    <message>
        <source>Model card — {0}</source>
        <translation>模型卡片 — {0}</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>The model that generates: bundled, from your model folder, or opened.</source>
        <translation>用于生成的模型：内置模型、你的模型文件夹中的模型，或手动打开的模型。</translation>
    </message>
    <message>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <source>Card…</source>
        <translation>卡片…</translation>
    </message>
    <message>
        <source>Size, training data and license, and metrics of the model.</source>
        <translation>模型的大小、训练数据与许可证，以及评估指标。</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open a model file or folder (or drop one on the window).</source>
        <translation>打开模型文件或文件夹（也可以拖放到窗口中）。</translation>
    </message>
    <message>
        <source>bundled</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>yours</source>
        <translation>你的</translation>
    </message>
    <message>
        <source>opened</source>
        <translation>已打开</translation>
    </message>
    <message>
        <source>Choose a model…</source>
        <translation>选择一个模型…</translation>
    </message>
</context>
<context>
    <name>ModelSlot</name>
    <message>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <source>No models found: open one with File &gt; Open Model…</source>
        <translation>未找到模型：请通过“文件 &gt; 打开模型…”打开一个</translation>
    </message>
    <message>
        <source>Could not read a model: {0}</source>
        <translation>无法读取模型：{0}</translation>
    </message>
    <message>
        <source>No model named {0}: choose one from the list or open a file.</source>
        <translation>没有名为 {0} 的模型：请从列表中选择，或打开一个文件。</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>Could not open the model: {0}</source>
        <translation>无法打开模型：{0}</translation>
    </message>
</context>
<context>
    <name>NumberSlider</name>
    <message>
        <source>above {0}</source>
        <translation>大于 {0}</translation>
    </message>
    <message>
        <source>“{0}” is not a number; {1} goes from {2} to {3}.</source>
        <translation>“{0}”不是数字；{1}的取值范围是 {2} 到 {3}。</translation>
    </message>
    <message>
        <source>{0} must be a finite number.</source>
        <translation>{0}必须是有限的数。</translation>
    </message>
    <message>
        <source>{0} is a whole number, from {1} to {2}.</source>
        <translation>{0}必须是 {1} 到 {2} 之间的整数。</translation>
    </message>
    <message>
        <source>{0} is out of range: {1} goes from {2} to {3}.</source>
        <translation>{0} 超出范围：{1}的取值范围是 {2} 到 {3}。</translation>
    </message>
</context>
<context>
    <name>OutputView</name>
    <message>
        <source>Token {0}: &lt;b&gt;{1}&lt;/b&gt;</source>
        <translation>词元 {0}：&lt;b&gt;{1}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>prob {0} · model_prob {1} · entropy {2:.2f} nats</source>
        <translation>概率 {0} · 模型概率 {1} · 熵 {2:.2f} 奈特</translation>
    </message>
    <message>
        <source>alternative</source>
        <translation>候选</translation>
    </message>
    <message>
        <source>prob</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>model_prob</source>
        <translation>模型概率</translation>
    </message>
    <message>
        <source>Chosen by hand (a branch), not drawn.</source>
        <translation>手选（一个分支），不是抽样得到的。</translation>
    </message>
    <message>
        <source>Click the token for its sampling stages; right-click it to branch here with another token.</source>
        <translation>点击该词元查看其采样各阶段；右键点击可在此处换一个词元分叉。</translation>
    </message>
    <message>
        <source>Branch here with</source>
        <translation>在此处分叉，改用</translation>
    </message>
    <message>
        <source>The text up to token {0}, then this token; generation goes on from there.</source>
        <translation>保留到第 {0} 个词元之前的文字，接上这个词元，再从那里继续生成。</translation>
    </message>
    <message>
        <source>Type a token…</source>
        <translation>输入一个词元…</translation>
    </message>
    <message>
        <source>Branch here</source>
        <translation>在此分叉</translation>
    </message>
    <message>
        <source>The token to put in place of token {0} (one token of the model&apos;s):</source>
        <translation>替换第 {0} 个词元的词元（须是模型词表中的一个词元）：</translation>
    </message>
</context>
<context>
    <name>PixelOverlay</name>
    <message>
        <source>Look inside</source>
        <translation>看看内部</translation>
    </message>
    <message>
        <source>Click a drawn pixel to see which earlier pixels it looked at: the attention of the query that drew it (emoji) or the gradient saliency (digits). Esc clears.</source>
        <translation>点击一个已绘制的像素，查看它参考了哪些更早的像素：表情模型显示绘制它的查询向量的注意力，数字模型显示梯度显著性。按 Esc 清除。</translation>
    </message>
    <message>
        <source>The layer whose attention is shown, or their average</source>
        <translation>显示哪一层的注意力，或各层的平均</translation>
    </message>
    <message>
        <source>The attention head shown, or the average of them</source>
        <translation>显示哪个注意力头，或各头的平均</translation>
    </message>
    <message>
        <source>Look inside works on a finished picture: Generate one, or wait for the end.</source>
        <translation>只能查看已画完的图片：请先生成一张，或等待本次绘制结束。</translation>
    </message>
    <message>
        <source>Pixel ({0}, {1}) was kept, not drawn by the model.</source>
        <translation>像素 ({0}, {1}) 是保留的，不是模型画的。</translation>
    </message>
    <message>
        <source>Pixel ({0}, {1}) is not drawn yet.</source>
        <translation>像素 ({0}, {1}) 尚未绘制。</translation>
    </message>
    <message>
        <source>Looking inside pixel ({0}, {1})…</source>
        <translation>正在查看像素 ({0}, {1})…</translation>
    </message>
    <message>
        <source>Average of all layers</source>
        <translation>所有层的平均</translation>
    </message>
    <message>
        <source>Layer {0}</source>
        <translation>第 {0} 层</translation>
    </message>
    <message>
        <source>Head {0}</source>
        <translation>第 {0} 个头</translation>
    </message>
    <message>
        <source>Average of all heads</source>
        <translation>所有头的平均</translation>
    </message>
    <message>
        <source>Pixel ({0}, {1})</source>
        <translation>像素 ({0}, {1})</translation>
    </message>
    <message>
        <source>most at ({0}, {1})</source>
        <translation>最多在 ({0}, {1})</translation>
    </message>
    <message>
        <source>no earlier pixel to look at</source>
        <translation>没有更早的像素可参考</translation>
    </message>
    <message>
        <source>{0}, colour {1}, P = {2}: attention of the query that drew it; start token {3}, {4}.</source>
        <translation>{0}，颜色 {1}，P = {2}：绘制它的查询向量的注意力；起始标记 {3}，{4}。</translation>
    </message>
    <message>
        <source>{0}, grey level {1}, P = {2}: gradient saliency, how much each earlier pixel moves log P; {3}.</source>
        <translation>{0}，灰度 {1}，P = {2}：梯度显著性，即每个更早的像素对 log P 的影响有多大；{3}。</translation>
    </message>
    <message>
        <source>Click a drawn pixel to see which earlier pixels it looked at.</source>
        <translation>点击一个已绘制的像素，查看它参考了哪些更早的像素。</translation>
    </message>
</context>
<context>
    <name>PixelStepDialog</name>
    <message>
        <source>Step mode: pixels</source>
        <translation>单步模式：像素</translation>
    </message>
    <message>
        <source>The final distribution as a bar in the draw&apos;s order, value 0 first; the draw&apos;s number u falls in the drawn value&apos;s slice (outlined).</source>
        <translation>最终分布按抽样的顺序画成一条累积条，取值 0 在最左；抽样的随机数 u 落在被抽中取值的那一段里（描了边框）。</translation>
    </message>
    <message>
        <source>Stages, and the values each removed (greyed)</source>
        <translation>各阶段，以及每个阶段去掉的取值（灰色）</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>取值</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Entropy</source>
        <translation>熵</translation>
    </message>
    <message>
        <source>Distribution</source>
        <translation>分布</translation>
    </message>
    <message>
        <source>The values you may take, most likely first; double-click one to pick it.</source>
        <translation>可以选用的取值，最可能的在前；双击即可选用。</translation>
    </message>
    <message>
        <source>Take the value selected instead (double-click).</source>
        <translation>改用选中的取值（双击）。</translation>
    </message>
    <message>
        <source>Take the drawn value (Enter).</source>
        <translation>采用抽中的取值（Enter）。</translation>
    </message>
    <message>
        <source>Take the drawn value and show the next pixel (F10).</source>
        <translation>采用抽中的取值并显示下一个像素（F10）。</translation>
    </message>
    <message>
        <source>Take the drawn value and go on as an ordinary image run with the same seed (F5).</source>
        <translation>采用抽中的取值，然后用同一种子照常画下去（F5）。</translation>
    </message>
    <message>
        <source>Step mode draws sample 0 (seed {0}).</source>
        <translation>单步模式画的是样本 0（种子 {0}）。</translation>
    </message>
    <message>
        <source>The other {0} images of the batch are drawn when you run on.</source>
        <translation>这一批其余 {0} 张图在继续运行时再画。</translation>
    </message>
    <message>
        <source>colour {0} (#{1:02x}{2:02x}{3:02x})</source>
        <translation>颜色 {0}（#{1:02x}{2:02x}{3:02x}）</translation>
    </message>
    <message>
        <source>grey {0}</source>
        <translation>灰度 {0}</translation>
    </message>
    <message>
        <source>Pixel {0}: computing…</source>
        <translation>第 {0} 个像素：计算中…</translation>
    </message>
    <message>
        <source>greedy: the most likely value, no draw</source>
        <translation>贪心：取最可能的值，不抽样</translation>
    </message>
    <message>
        <source>u = {0:.4f} (seed {1}, step {2})</source>
        <translation>u = {0:.4f}（种子 {1}，第 {2} 步）</translation>
    </message>
    <message>
        <source>Pixel {0} at (row {1}, col {2}): drawn &lt;b&gt;{3}&lt;/b&gt; with probability {4} — {5}</source>
        <translation>第 {0} 个像素（第 {1} 行，第 {2} 列）：抽中 &lt;b&gt;{3}&lt;/b&gt;，概率 {4} — {5}</translation>
    </message>
    <message>
        <source>picked by hand</source>
        <translation>手动选取</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>已接受</translation>
    </message>
    <message>
        <source>Pixel {0} at (row {1}, col {2}) {3}: &lt;b&gt;{4}&lt;/b&gt;.</source>
        <translation>第 {0} 个像素（第 {1} 行，第 {2} 列）{3}：&lt;b&gt;{4}&lt;/b&gt;。</translation>
    </message>
    <message>
        <source>The picture has all its pixels.</source>
        <translation>这幅图的像素已全部画完。</translation>
    </message>
    <message>
        <source>Step again (F10) or run on (F5).</source>
        <translation>再走一步（F10）或继续运行（F5）。</translation>
    </message>
    <message>
        <source>(removed {0})</source>
        <translation>（去掉 {0} 个）</translation>
    </message>
    <message>
        <source>Each value&apos;s probability, value 0 on the left (height: its square root).</source>
        <translation>每个取值的概率，取值 0 在最左（柱高为概率的平方根）。</translation>
    </message>
    <message>
        <source>… and {0} more</source>
        <translation>… 另有 {0} 个</translation>
    </message>
</context>
<context>
    <name>Precision</name>
    <message>
        <source>&amp;Auto (as stored)</source>
        <translation>自动（按存储精度）(&amp;A)</translation>
    </message>
    <message>
        <source>float&amp;32</source>
        <translation>float32（单精度）(&amp;3)</translation>
    </message>
    <message>
        <source>&amp;bfloat16</source>
        <translation>bfloat16（半精度）(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;int8 (weights only)</source>
        <translation>int8（仅权重）(&amp;I)</translation>
    </message>
    <message>
        <source>The precision the model computes in. int8 keeps the large matrices in 8 bits, a quarter of float32&apos;s memory, and is faster on most processors; bfloat16 halves it. Image models compute in float32.</source>
        <translation>模型计算所用的精度。int8 以 8 位保存大矩阵，内存只占 float32 的四分之一，在多数处理器上更快；bfloat16 占一半。图像模型以 float32 计算。</translation>
    </message>
</context>
<context>
    <name>ProbLegend</name>
    <message>
        <source>Background of each generated token: the probability it had when it was drawn.</source>
        <translation>每个生成词元的背景色：它被采样时的概率。</translation>
    </message>
    <message>
        <source>probability</source>
        <translation>概率</translation>
    </message>
</context>
<context>
    <name>RunState</name>
    <message>
        <source>running…</source>
        <translation>运行中…</translation>
    </message>
    <message>
        <source>stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>SamplingPanel</name>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k 采样</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p 采样</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p 采样</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <source>Greedy</source>
        <translation>贪心</translation>
    </message>
    <message>
        <source>Balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <source>Creative</source>
        <translation>创意</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Model&apos;s</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Draw a new seed for every run.</source>
        <translation>每次运行都抽取一个新种子。</translation>
    </message>
    <message>
        <source>Seed used: –</source>
        <translation>所用种子：–</translation>
    </message>
    <message>
        <source>The seed the last run actually used.</source>
        <translation>上一次运行实际使用的种子。</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the seed used to the clipboard.</source>
        <translation>将所用种子复制到剪贴板。</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>Fix the seed to the one used, to repeat the last run.</source>
        <translation>把种子固定为上次所用的值，以便重现上一次运行。</translation>
    </message>
    <message>
        <source>Stop strings</source>
        <translation>停止字符串</translation>
    </message>
    <message>
        <source>one per line; \n is a newline</source>
        <translation>每行一个；\n 表示换行</translation>
    </message>
    <message>
        <source>One per line. </source>
        <translation>每行一个。</translation>
    </message>
    <message>
        <source>Past the window</source>
        <translation>超出上下文窗口时</translation>
    </message>
    <message>
        <source>Shift (fast)</source>
        <translation>平移（快）</translation>
    </message>
    <message>
        <source>Slide (as nanoGPT, slow)</source>
        <translation>滑动（同 nanoGPT，慢）</translation>
    </message>
    <message>
        <source>The run did not start: {0}</source>
        <translation>运行未开始：{0}</translation>
    </message>
    <message>
        <source>The model&apos;s defaults, from its generation_config.json: {0}</source>
        <translation>模型自带的默认值，来自其 generation_config.json：{0}</translation>
    </message>
    <message>
        <source>Seed used: {0}</source>
        <translation>所用种子：{0}</translation>
    </message>
    <message>
        <source>The seed must be a whole number from 0 to {0}.</source>
        <translation>种子必须是 0 到 {0} 之间的整数。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Divides the scores before sampling: lower is safer, higher is wilder, and 0 always takes the most likely token (greedy).</source>
        <translation>采样前将模型的打分除以该值：越低越稳妥，越高越奔放；为 0 时总是选取最可能的词元（贪心）。</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k 采样</translation>
    </message>
    <message>
        <source>Samples only from the k most likely tokens (0 turns it off).</source>
        <translation>只从最可能的 k 个词元中采样（0 表示关闭）。</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p 采样</translation>
    </message>
    <message>
        <source>Samples only from the most likely tokens that together hold this much probability (1 turns it off).</source>
        <translation>只从累计概率达到该值的最可能词元中采样（1 表示关闭）。</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p 采样</translation>
    </message>
    <message>
        <source>Drops tokens less likely than this fraction of the most likely token (0 turns it off).</source>
        <translation>舍弃概率低于“最可能词元的概率 × 该值”的词元（0 表示关闭）。</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Makes tokens already in the text less likely when above 1, more likely below 1 (1 turns it off; text only).</source>
        <translation>大于 1 时降低文本中已出现词元的概率，小于 1 时提高（1 表示关闭；仅用于文本）。</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <source>Stops the run after this many generated tokens.</source>
        <translation>生成这么多词元后停止运行。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Fixes the output: same model, settings and seed, same result; without one a seed is drawn and reported.</source>
        <translation>固定输出：模型、设置和种子相同，结果就相同；不指定时会随机抽取一个种子并显示出来。</translation>
    </message>
    <message>
        <source>Stop strings</source>
        <translation>停止字符串</translation>
    </message>
    <message>
        <source>The run ends as soon as the text contains one of these; \n stands for a newline, \t for a tab and \\ for a backslash.</source>
        <translation>文本一旦包含其中任意一个，运行即结束；\n 表示换行，\t 表示制表符，\\ 表示反斜杠。</translation>
    </message>
    <message>
        <source>Ignore end of text</source>
        <translation>忽略文本结束符</translation>
    </message>
    <message>
        <source>Goes on past the model&apos;s end-of-text token instead of stopping there.</source>
        <translation>遇到模型的文本结束词元时不停止，继续生成。</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>How many samples to draw at once, sample i with seed + i.</source>
        <translation>一次采样几个样本，第 i 个样本使用种子 + i。</translation>
    </message>
    <message>
        <source>Alternatives</source>
        <translation>候选数</translation>
    </message>
    <message>
        <source>How many of the most likely alternatives are reported with every token.</source>
        <translation>每个词元附带报告的最可能候选词元的个数。</translation>
    </message>
    <message>
        <source>Past the window</source>
        <translation>超出上下文窗口时</translation>
    </message>
    <message>
        <source>What happens when the text outgrows the model&apos;s context window: shift keeps its newest half and goes on at full speed, slide drops one token per step and recomputes the whole window for every token, as nanoGPT does (slow).</source>
        <translation>文本超出模型上下文窗口时的处理方式：shift（平移）保留最新的一半并全速继续；slide（滑动）每步丢弃一个词元，并像 nanoGPT 那样为每个词元重新计算整个窗口（慢）。</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>The class a class-conditional image model draws (on the command line by its name); &apos;any&apos; or none for any class.</source>
        <translation>类别条件图像模型要绘制的类别（命令行中用类别名称指定）；“any”或不指定表示任意类别。</translation>
    </message>
    <message>
        <source>Distribution</source>
        <translation>分布</translation>
    </message>
    <message>
        <source>Every pixel event carries the distribution its value was drawn from.</source>
        <translation>每个像素事件都附带其取值所来自的分布。</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <source>How an image is computed: fast recomputes only what each new pixel changes, naive runs the whole network per pixel; both draw the same pixels.</source>
        <translation>图像的计算方式：fast 只重新计算每个新像素所影响的部分，naive 每个像素都运行整个网络；两者绘制的像素完全相同。</translation>
    </message>
    <message>
        <source>Guidance</source>
        <translation>引导强度</translation>
    </message>
    <message>
        <source>How hard the label steers each pixel (classifier-free guidance): 1 draws from the model as trained, 2-4 looks more like the label at twice the compute, 0 ignores the label.</source>
        <translation>标签对每个像素的引导力度（无分类器引导）：1 按模型训练时的分布采样，2-4 更像所选标签但计算量翻倍，0 忽略标签。</translation>
    </message>
    <message>
        <source>Always the most likely token: the same text every time.</source>
        <translation>总是选择最可能的词元：每次生成相同的文本。</translation>
    </message>
    <message>
        <source>Moderate randomness with top-k, top-p and a light repetition penalty.</source>
        <translation>适度的随机性：使用 top-k、top-p 和轻微的重复惩罚。</translation>
    </message>
    <message>
        <source>More surprising text: a higher temperature kept sane by min-p.</source>
        <translation>更出人意料的文本：较高的温度，由 min-p 保持合理。</translation>
    </message>
    <message>
        <source>Back to the defaults of aigc-studio generate.</source>
        <translation>恢复为 aigc-studio generate 的默认值。</translation>
    </message>
    <message>
        <source>{0} Accepts {1}; default {2}.</source>
        <translation>{0}取值范围 {1}；默认 {2}。</translation>
    </message>
    <message>
        <source>{0} Accepts {1}.</source>
        <translation>{0}取值范围 {1}。</translation>
    </message>
    <message>
        <source>{0} One of {1}; default {2}.</source>
        <translation>{0}可选 {1}；默认 {2}。</translation>
    </message>
</context>
<context>
    <name>Stage</name>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>greedy</source>
        <translation>贪心</translation>
    </message>
    <message>
        <source>guidance</source>
        <translation>引导</translation>
    </message>
</context>
<context>
    <name>StagesDialog</name>
    <message>
        <source>Sampling stages</source>
        <translation>采样阶段</translation>
    </message>
    <message>
        <source>Each column is the distribution of the next token after one stage of the sampling chain, left to right; the token was drawn from the last. A dash: that stage cut the token.</source>
        <translation>从左到右，每一列是经过采样链中一个阶段后下一个词元的分布；该词元是从最后一列中采样的。短横线表示该阶段剔除了这个词元。</translation>
    </message>
    <message>
        <source>◀ Previous</source>
        <translation>◀ 上一个</translation>
    </message>
    <message>
        <source>Next ▶</source>
        <translation>下一个 ▶</translation>
    </message>
    <message>
        <source>Branch here</source>
        <translation>在此分叉</translation>
    </message>
    <message>
        <source>Put the token chosen in the table in place of this one, and generate on from there with the same settings (the run stays).</source>
        <translation>用表中选定的词元替换这个词元，并以相同设置从那里继续生成（原来的运行保留）。</translation>
    </message>
    <message>
        <source>The token before this one (Left)</source>
        <translation>前一个词元（左方向键）</translation>
    </message>
    <message>
        <source>The token after this one (Right)</source>
        <translation>后一个词元（右方向键）</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>Logit lens</source>
        <translation>Logit 透镜</translation>
    </message>
    <message>
        <source>Computing once the run ends…</source>
        <translation>本次生成结束后开始计算…</translation>
    </message>
    <message>
        <source>Computing…</source>
        <translation>计算中…</translation>
    </message>
    <message>
        <source>The token could not be looked inside: {0}</source>
        <translation>无法查看该词元的内部：{0}</translation>
    </message>
    <message>
        <source>computing once the run ends…</source>
        <translation>运行结束后计算…</translation>
    </message>
    <message>
        <source>computing…</source>
        <translation>计算中…</translation>
    </message>
    <message>
        <source>Token {0}: &lt;b&gt;{1}&lt;/b&gt; — {2}</source>
        <translation>词元 {0}：&lt;b&gt;{1}&lt;/b&gt; — {2}</translation>
    </message>
    <message>
        <source>The sampling stages could not be computed: {0}</source>
        <translation>无法计算采样阶段：{0}</translation>
    </message>
    <message>
        <source>Token {0}: &lt;b&gt;{1}&lt;/b&gt; — drawn with probability {2}; the model gave it {3}</source>
        <translation>词元 {0}：&lt;b&gt;{1}&lt;/b&gt; — 采样概率 {2}；模型给出的概率 {3}</translation>
    </message>
    <message>
        <source>tokens kept</source>
        <translation>保留的词元数</translation>
    </message>
    <message>
        <source>entropy (nats)</source>
        <translation>熵（奈特）</translation>
    </message>
</context>
<context>
    <name>StepDialog</name>
    <message>
        <source>Step mode</source>
        <translation>单步模式</translation>
    </message>
    <message>
        <source>The final distribution as a bar, most likely token first; the draw&apos;s number u falls in the drawn token&apos;s slice.</source>
        <translation>最终分布画成一条累积条，最可能的词元在最左；抽样的随机数 u 落在被抽中词元的那一段里。</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Entropy</source>
        <translation>熵</translation>
    </message>
    <message>
        <source>The tokens you may take, most likely first; double-click one to pick it.</source>
        <translation>可以选用的词元，最可能的在前；双击即可选用。</translation>
    </message>
    <message>
        <source>Stages, and the tokens each removed (greyed)</source>
        <translation>各阶段，以及每个阶段去掉的词元（灰色）</translation>
    </message>
    <message>
        <source>Candidates</source>
        <translation>候选词元</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接受</translation>
    </message>
    <message>
        <source>Take the drawn token (Enter).</source>
        <translation>采用抽中的词元（Enter）。</translation>
    </message>
    <message>
        <source>Pick</source>
        <translation>改选</translation>
    </message>
    <message>
        <source>Take the candidate selected instead (double-click).</source>
        <translation>改用选中的候选词元（双击）。</translation>
    </message>
    <message>
        <source>Step again</source>
        <translation>再走一步</translation>
    </message>
    <message>
        <source>Take the drawn token and show the next one (F10).</source>
        <translation>采用抽中的词元并显示下一个（F10）。</translation>
    </message>
    <message>
        <source>Run on</source>
        <translation>继续运行</translation>
    </message>
    <message>
        <source>Take the drawn token and go on as an ordinary run with the same seed (F5).</source>
        <translation>采用抽中的词元，然后用同一种子照常运行下去（F5）。</translation>
    </message>
    <message>
        <source>Token {0}: computing…</source>
        <translation>第 {0} 个词元：计算中…</translation>
    </message>
    <message>
        <source>The step could not be computed: {0}</source>
        <translation>无法计算这一步：{0}</translation>
    </message>
    <message>
        <source>greedy: the most likely token, no draw</source>
        <translation>贪心：取最可能的词元，不抽样</translation>
    </message>
    <message>
        <source>u = {0:.4f} (seed {1}, step {2})</source>
        <translation>u = {0:.4f}（种子 {1}，第 {2} 步）</translation>
    </message>
    <message>
        <source>Token {0}: drawn &lt;b&gt;{1}&lt;/b&gt; with probability {2} — {3}</source>
        <translation>第 {0} 个词元：抽中 &lt;b&gt;{1}&lt;/b&gt;，概率 {2} — {3}</translation>
    </message>
    <message>
        <source>picked by hand</source>
        <translation>手动选定</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>已接受</translation>
    </message>
    <message>
        <source>Token {0} {1}: &lt;b&gt;{2}&lt;/b&gt;.</source>
        <translation>第 {0} 个词元{1}：&lt;b&gt;{2}&lt;/b&gt;。</translation>
    </message>
    <message>
        <source>The run ends here ({0}).</source>
        <translation>运行到此结束（{0}）。</translation>
    </message>
    <message>
        <source>Step again (F10) or run on (F5).</source>
        <translation>再走一步（F10）或继续运行（F5）。</translation>
    </message>
    <message>
        <source>(removed {0})</source>
        <translation>（去掉 {0} 个）</translation>
    </message>
    <message>
        <source>… and {0} more</source>
        <translation>… 另有 {0} 个</translation>
    </message>
</context>
<context>
    <name>StopReason</name>
    <message>
        <source>length</source>
        <translation>达到长度上限</translation>
    </message>
    <message>
        <source>eos</source>
        <translation>文本结束符</translation>
    </message>
    <message>
        <source>stop</source>
        <translation>停止字符串</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>StudioStatusBar</name>
    <message>
        <source>Fix the setting the sampling panel names.</source>
        <translation>请修正采样面板中指出的设置。</translation>
    </message>
    <message>
        <source>stopped at a stop string</source>
        <translation>遇到停止字符串而停止</translation>
    </message>
    <message>
        <source>reached the limit</source>
        <translation>已达到长度上限</translation>
    </message>
    <message>
        <source>every pixel drawn</source>
        <translation>所有像素已绘制</translation>
    </message>
    <message>
        <source>the model ended the text</source>
        <translation>模型结束了文本</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>the engine stopped</source>
        <translation>引擎已停止</translation>
    </message>
    <message>
        <source>The loaded model</source>
        <translation>已加载的模型</translation>
    </message>
    <message>
        <source>Where the model runs</source>
        <translation>模型运行的设备</translation>
    </message>
    <message>
        <source>Tokens generated in this run</source>
        <translation>本次运行生成的词元数</translation>
    </message>
    <message>
        <source>Tokens per second</source>
        <translation>每秒词元数</translation>
    </message>
    <message>
        <source>Time to first token</source>
        <translation>首词元延迟</translation>
    </message>
    <message>
        <source>Why the run ended</source>
        <translation>运行结束的原因</translation>
    </message>
    <message>
        <source>000000 tokens</source>
        <translation>000000 个词元</translation>
    </message>
    <message>
        <source>0000.0 tok/s</source>
        <translation>0000.0 词元/秒</translation>
    </message>
</context>
<context>
    <name>TextBranches</name>
    <message>
        <source>Branches</source>
        <translation>分支</translation>
    </message>
    <message>
        <source>This text was made by {0}: open that model to branch it.</source>
        <translation>这段文字由 {0} 生成：请打开该模型再分叉。</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>个词元</translation>
    </message>
    <message>
        <source>tok/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <source>first token –</source>
        <translation>首词元 –</translation>
    </message>
    <message>
        <source>The run could not be saved to the history: {0}</source>
        <translation>无法将这次运行保存到历史记录：{0}</translation>
    </message>
</context>
<context>
    <name>TextWorkspace</name>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Generate a continuation of the prompt (Ctrl+Return).</source>
        <translation>根据提示词生成后续文本（Ctrl+Return）。</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>续写</translation>
    </message>
    <message>
        <source>Make the prompt and the text so far the new prompt, and generate on from there (Ctrl+Shift+Return).</source>
        <translation>把提示词和已生成的文本作为新的提示词，并从那里继续生成（Ctrl+Shift+Return）。</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the run and keep the text so far (Esc).</source>
        <translation>停止运行并保留已生成的文本（Esc）。</translation>
    </message>
    <message>
        <source>Probability colours</source>
        <translation>概率着色</translation>
    </message>
    <message>
        <source>Colour each generated token by the probability it was drawn with; hover a token for its alternatives.</source>
        <translation>按采样概率为每个生成的词元着色；将鼠标悬停在词元上可查看候选词元。</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Make one token and pause with its sampling stages: you are the sampler (F10).</source>
        <translation>生成一个词元后暂停，并显示它的各采样阶段：由你来当采样器（F10）。</translation>
    </message>
    <message>
        <source>Compare A/B…</source>
        <translation>A/B 对比…</translation>
    </message>
    <message>
        <source>Run the prompt with two sets of settings and one seed, side by side.</source>
        <translation>用两组设置、同一个种子运行提示，并排显示。</translation>
    </message>
    <message>
        <source>Write a prompt, then press Ctrl+Return…</source>
        <translation>输入提示词，然后按 Ctrl+Return…</translation>
    </message>
    <message>
        <source>Generated text appears here, token by token.</source>
        <translation>生成的文本会逐个词元显示在这里。</translation>
    </message>
    <message>
        <source>Open a text model first.</source>
        <translation>请先打开一个文本模型。</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>个词元</translation>
    </message>
    <message>
        <source>tok/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <source>first token –</source>
        <translation>首词元 –</translation>
    </message>
    <message>
        <source>Nothing to continue yet: generate first.</source>
        <translation>还没有可续写的内容：请先生成。</translation>
    </message>
    <message>
        <source>A translation is not continued: translate another source.</source>
        <translation>译文不能续写：请翻译另一句原文。</translation>
    </message>
    <message>
        <source>Write your next message below the Chat switch, then Continue.</source>
        <translation>请在“对话”开关下方写下你的下一条消息，然后按“续写”。</translation>
    </message>
    <message>
        <source>first token {0:.0f} ms</source>
        <translation>首词元 {0:.0f} 毫秒</translation>
    </message>
    <message>
        <source>{0:.1f} tok/s</source>
        <translation>{0:.1f} 词元/秒</translation>
    </message>
    <message>
        <source>– tok/s</source>
        <translation>– 词元/秒</translation>
    </message>
    <message>
        <source>{0} tokens</source>
        <translation>{0} 个词元</translation>
    </message>
    <message>
        <source>The text is now longer than the model&apos;s context window: every new token re-reads the whole window (Past the window: Slide, as nanoGPT). Choose Shift there for full speed.</source>
        <translation>文本已超出模型的上下文窗口：每个新词元都要重新读取整个窗口（超出上下文窗口时：滑动，同 nanoGPT）。在那里选择“平移”可全速生成。</translation>
    </message>
    <message>
        <source>stopped: the engine ended</source>
        <translation>已停止：引擎已结束</translation>
    </message>
    <message>
        <source>This text was made by {0}: open that model to see its sampling stages.</source>
        <translation>这段文本由 {0} 生成：打开该模型才能查看它的采样阶段。</translation>
    </message>
</context>
<context>
    <name>TrainForm</name>
    <message>
        <source>Text (characters)</source>
        <translation>文本（字符）</translation>
    </message>
    <message>
        <source>Digits (28×28)</source>
        <translation>数字（28×28）</translation>
    </message>
    <message>
        <source>Emoji (16×16)</source>
        <translation>表情（16×16）</translation>
    </message>
    <message>
        <source>a UTF-8 text file</source>
        <translation>一个 UTF-8 文本文件</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>the model&apos;s own</source>
        <translation>模型自己的</translation>
    </message>
    <message>
        <source>Peak learning rate; empty: the size&apos;s own (3e-4 to fine-tune)</source>
        <translation>峰值学习率；留空：按模型大小的默认值（微调时为 3e-4）</translation>
    </message>
    <message>
        <source>Saved as NAME.safetensors in your model folder</source>
        <translation>保存为你的模型文件夹中的 NAME.safetensors</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Start from</source>
        <translation>起点</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>保存为</translation>
    </message>
    <message>
        <source>New model, %1</source>
        <translation>新模型，%1</translation>
    </message>
    <message>
        <source>New model</source>
        <translation>新模型</translation>
    </message>
    <message>
        <source>Fine-tune %1</source>
        <translation>微调 %1</translation>
    </message>
    <message>
        <source>an MNIST folder</source>
        <translation>一个 MNIST 文件夹</translation>
    </message>
    <message>
        <source>a folder or .tar.gz of PNG images</source>
        <translation>PNG 图片的文件夹或 .tar.gz</translation>
    </message>
    <message>
        <source>MNIST folder</source>
        <translation>MNIST 文件夹</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>训练数据</translation>
    </message>
    <message>
        <source>Choose the training data first.</source>
        <translation>请先选择训练数据。</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 不存在。</translation>
    </message>
</context>
<context>
    <name>TrainTab</name>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>by step</source>
        <translation>按步数</translation>
    </message>
    <message>
        <source>by time</source>
        <translation>按时间</translation>
    </message>
    <message>
        <source>Not training.</source>
        <translation>未在训练。</translation>
    </message>
    <message>
        <source>Samples from the current weights appear here.</source>
        <translation>当前权重生成的样本会出现在这里。</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本</translation>
    </message>
    <message>
        <source>Explain</source>
        <translation>解释</translation>
    </message>
    <message>
        <source>Starting the training process…</source>
        <translation>正在启动训练进程…</translation>
    </message>
    <message>
        <source>Stopping: saving a checkpoint…</source>
        <translation>正在停止：保存检查点…</translation>
    </message>
    <message>
        <source>This run has no snapshots yet.</source>
        <translation>这次训练还没有快照。</translation>
    </message>
    <message>
        <source>Opening %1 snapshots…</source>
        <translation>正在打开 %1 个快照…</translation>
    </message>
    <message>
        <source>Training %1 from step %2</source>
        <translation>正在训练 %1，从第 %2 步开始</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>%1 pixels/s</source>
        <translation>%1 像素/秒</translation>
    </message>
    <message>
        <source>step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
    <message>
        <source>loss %1</source>
        <translation>损失 %1</translation>
    </message>
    <message>
        <source>held-out %1</source>
        <translation>留出集 %1</translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation>已用 %1</translation>
    </message>
    <message>
        <source>left %1</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>— step %1 —</source>
        <translation>— 第 %1 步 —</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <source>Stopped at step %1; the checkpoint is saved, Resume goes on.</source>
        <translation>已在第 %1 步停止；检查点已保存，点“继续”接着训练。</translation>
    </message>
    <message>
        <source>Saved %1 after %2 steps: held-out %3 %4.</source>
        <translation>已保存 %1，共 %2 步：留出集 %3 %4。</translation>
    </message>
    <message>
        <source>%1: one column per snapshot, oldest first; the prompt&apos;s own character is marked.</source>
        <translation>%1：每个快照一列，最早的在前；提示词中本来的字符已标出。</translation>
    </message>
    <message>
        <source>Explain shows text models&apos; characters.</source>
        <translation>“解释”只用于文本模型的字符。</translation>
    </message>
    <message>
        <source>%1 snapshots of this run to compare.</source>
        <translation>这次训练有 %1 个快照可以比较。</translation>
    </message>
    <message>
        <source>Train</source>
        <translation>训练</translation>
    </message>
</context>
<context>
    <name>TranslateMode</name>
    <message>
        <source>English source: type it in the box below.</source>
        <translation>英文原文：在下面的框中输入。</translation>
    </message>
    <message>
        <source>1: each character through the sampling chain (temperature 0 is greedy). More: beam search of that width, shown when it ends.</source>
        <translation>1：每个字都经过采样链（温度 0 即贪心）。更大：该宽度的束搜索，结束时显示结果。</translation>
    </message>
    <message>
        <source>Cross-attention…</source>
        <translation>交叉注意力…</translation>
    </message>
    <message>
        <source>Where the model looked in the source for each character it wrote.</source>
        <translation>模型写每个字时在原文中看向哪里。</translation>
    </message>
    <message>
        <source>Beam width</source>
        <translation>束宽</translation>
    </message>
    <message>
        <source>English source: write a sentence to translate, then press Ctrl+Return…</source>
        <translation>英文原文：写一句要翻译的话，然后按 Ctrl+Return…</translation>
    </message>
    <message>
        <source>The translation appears here, token by token.</source>
        <translation>译文在这里逐个词元出现。</translation>
    </message>
    <message>
        <source>Translate the English source (Ctrl+Return).</source>
        <translation>翻译英文原文（Ctrl+Return）。</translation>
    </message>
    <message>
        <source>Nothing translated yet: translate first.</source>
        <translation>还没有译文：请先翻译。</translation>
    </message>
</context>
<context>
    <name>WindowFiles</name>
    <message>
        <source>Open a run or a model</source>
        <translation>打开运行或模型</translation>
    </message>
    <message>
        <source>Open a model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>Runs, images and models (*.json *.png *.safetensors *.gguf *.pt);;Exported images (*.png);;All files (*)</source>
        <translation>运行、图像和模型 (*.json *.png *.safetensors *.gguf *.pt);;导出的图像 (*.png);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Models (*.safetensors *.gguf *.pt);;All files (*)</source>
        <translation>模型 (*.safetensors *.gguf *.pt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open a model folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <source>Nothing to export yet: draw something first.</source>
        <translation>还没有可导出的内容：请先绘制。</translation>
    </message>
    <message>
        <source>Export Image</source>
        <translation>导出图像</translation>
    </message>
    <message>
        <source>PNG with settings (*.png)</source>
        <translation>带设置的 PNG (*.png)</translation>
    </message>
    <message>
        <source>Animated GIF of the drawing (*.gif)</source>
        <translation>绘制过程的 GIF 动画 (*.gif)</translation>
    </message>
    <message>
        <source>JSON run, with its branches (*.json)</source>
        <translation>JSON 运行记录，含其分支 (*.json)</translation>
    </message>
    <message>
        <source>Nothing to export yet: generate something first.</source>
        <translation>还没有可导出的内容：请先生成。</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Text (*.txt)</source>
        <translation>文本 (*.txt)</translation>
    </message>
    <message>
        <source>Markdown with settings (*.md)</source>
        <translation>带设置的 Markdown (*.md)</translation>
    </message>
    <message>
        <source>JSON with settings and trace (*.json)</source>
        <translation>带设置和轨迹的 JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not write {0}: {1}. Nothing was written.</source>
        <translation>无法写入 {0}：{1}。未写入任何内容。</translation>
    </message>
    <message>
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
    <message>
        <source>Overwrite?</source>
        <translation>覆盖？</translation>
    </message>
    <message>
        <source>{0} already exists. Replace it?</source>
        <translation>{0} 已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>AIGC Studio</source>
        <translation>AIGC Studio</translation>
    </message>
</context>
</TS>
