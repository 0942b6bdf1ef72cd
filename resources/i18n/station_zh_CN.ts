<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name>ApplicantPage</name>
    <message>
      <source>Read ID card (F2)</source>
      <translation>读身份证（F2）</translation>
    </message>
    <message>
      <source>Place the ID card on the reader</source>
      <translation>请把身份证放在阅读器上</translation>
    </message>
    <message>
      <source>Unlock card fields</source>
      <translation>解锁证件信息</translation>
    </message>
    <message>
      <source>Supervisors only: edit fields read from the ID card (a misprinted card)</source>
      <translation>仅限站长：修改从身份证读取的信息（证件印制有误时）</translation>
    </message>
    <message>
      <source>From the ID card</source>
      <translation>来自身份证</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Sex (1 male, 2 female)</source>
      <translation>性别（1 男，2 女）</translation>
    </message>
    <message>
      <source>Ethnic group code</source>
      <translation>民族代码</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Hukou address</source>
      <translation>户籍地址</translation>
    </message>
    <message>
      <source>Issuing authority</source>
      <translation>签发机关</translation>
    </message>
    <message>
      <source>Valid from</source>
      <translation>有效期起</translation>
    </message>
    <message>
      <source>Valid to</source>
      <translation>有效期止</translation>
    </message>
    <message>
      <source>Contact and background</source>
      <translation>联系方式与基本情况</translation>
    </message>
    <message>
      <source>Phone</source>
      <translation>联系电话</translation>
    </message>
    <message>
      <source>Education</source>
      <translation>文化程度</translation>
    </message>
    <message>
      <source>Occupation</source>
      <translation>职业</translation>
    </message>
    <message>
      <source>Marital status</source>
      <translation>婚姻状况</translation>
    </message>
    <message>
      <source>the same ID number</source>
      <translation>身份证号相同</translation>
    </message>
    <message>
      <source>the same name and birth date</source>
      <translation>姓名和出生日期相同</translation>
    </message>
    <message>
      <source>Already registered at this station (%1): application %2 of %3. Check whether this is an endorsement, a change or a replacement instead.</source>
      <translation>本站已有此人的登记（%1）：%3 的申请 %2。请确认是否应办理签注、变更或补换证。</translation>
    </message>
  </context>
  <context>
    <name>ApplicationListModel</name>
    <message>
      <source>Application no.</source>
      <translation>申请编号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>身份证号</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>业务类型</translation>
    </message>
    <message>
      <source>Community</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>Taken in</source>
      <translation>受理时间</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
  </context>
  <context>
    <name>CheckPage</name>
    <message>
      <source>Final check</source>
      <translation>最后检查</translation>
    </message>
    <message>
      <source>What the station doctor finds. Fix any ✘ before going live.</source>
      <translation>站点自检的结果。正式使用前请处理所有 ✘ 项。</translation>
    </message>
    <message>
      <source>Checking…</source>
      <translation>正在检查…</translation>
    </message>
    <message>
      <source>Program version</source>
      <translation>程序版本</translation>
    </message>
    <message>
      <source>Data folder</source>
      <translation>数据文件夹</translation>
    </message>
    <message>
      <source>Key slots</source>
      <translation>密钥槽</translation>
    </message>
    <message>
      <source>Database</source>
      <translation>数据库</translation>
    </message>
    <message>
      <source>Disk space</source>
      <translation>磁盘空间</translation>
    </message>
    <message>
      <source>Clock</source>
      <translation>系统时钟</translation>
    </message>
    <message>
      <source>Translations</source>
      <translation>翻译文件</translation>
    </message>
    <message>
      <source>Operator login</source>
      <translation>操作员登录</translation>
    </message>
    <message>
      <source>Station profile</source>
      <translation>站点配置</translation>
    </message>
    <message>
      <source>ID card reader</source>
      <translation>身份证阅读器</translation>
    </message>
    <message>
      <source>Permit card reader</source>
      <translation>居住证读写器</translation>
    </message>
    <message>
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <source>Central service</source>
      <translation>中心服务</translation>
    </message>
  </context>
  <context>
    <name>DesktopSession</name>
    <message>
      <source>Station %1</source>
      <translation>站点 %1</translation>
    </message>
    <message>
      <source>Backup written</source>
      <translation>备份已完成</translation>
    </message>
  </context>
  <context>
    <name>DevicesPage</name>
    <message>
      <source>Devices</source>
      <translation>设备</translation>
    </message>
    <message>
      <source>Choose the drivers and test each device. 'sim' drivers are simulations for training.</source>
      <translation>选择驱动并逐一测试设备。'sim' 驱动是用于培训的模拟设备。</translation>
    </message>
    <message>
      <source>ID card reader</source>
      <translation>身份证阅读器</translation>
    </message>
    <message>
      <source>Permit card reader</source>
      <translation>居住证读写器</translation>
    </message>
    <message>
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <source>first reader</source>
      <translation>第一个读卡器</translation>
    </message>
    <message>
      <source>Test</source>
      <translation>测试</translation>
    </message>
    <message>
      <source>Testing…</source>
      <translation>正在测试…</translation>
    </message>
  </context>
  <context>
    <name>EndorseDialog</name>
    <message>
      <source>Yearly endorsement %1</source>
      <translation>%1 年度签注</translation>
    </message>
    <message>
      <source>1. Place the residence permit card on the reader and read it (F2)</source>
      <translation>1. 将居住证放在读写器上并读卡（F2）</translation>
    </message>
    <message>
      <source>Read permit card (F2)</source>
      <translation>读居住证（F2）</translation>
    </message>
    <message>
      <source>Create the record from the card</source>
      <translation>按证件信息建立登记</translation>
    </message>
    <message>
      <source>Update address or employer</source>
      <translation>更新住址或单位</translation>
    </message>
    <message>
      <source>Write the endorsement (Ctrl+Enter)</source>
      <translation>写入签注（Ctrl+Enter）</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>The card</source>
      <translation>证件</translation>
    </message>
    <message>
      <source>The holder's record and eligibility</source>
      <translation>持证人登记与资格</translation>
    </message>
    <message>
      <source>No card read yet</source>
      <translation>尚未读卡</translation>
    </message>
    <message>
      <source>Reading the card…</source>
      <translation>正在读卡…</translation>
    </message>
    <message>
      <source>%1 · permit %2 · endorsed: %3</source>
      <translation>%1 · 居住证 %2 · 已签注：%3</translation>
    </message>
    <message>
      <source>none yet</source>
      <translation>尚无</translation>
    </message>
    <message>
      <source>This holder has no record at this station (registered before it existed): create it from the card first</source>
      <translation>本站没有此持证人的登记（在本站启用前办理）：请先按证件信息建立登记</translation>
    </message>
    <message>
      <source>Record: application %1, version %2</source>
      <translation>登记：申请 %1，第 %2 版</translation>
    </message>
    <message>
      <source>Still qualifies ✔</source>
      <translation>仍符合条件 ✔</translation>
    </message>
    <message>
      <source>Does not qualify now: %1 — update the record first</source>
      <translation>目前不符合条件：%1 — 请先更新登记</translation>
    </message>
    <message>
      <source>This card is already endorsed for %1; nothing to write</source>
      <translation>此证 %1 年已签注，无需写入</translation>
    </message>
    <message>
      <source>Writing the endorsement — keep the card on the reader…</source>
      <translation>正在写入签注 — 请勿移开证件…</translation>
    </message>
    <message>
      <source>The card was removed during the write: put it back and read it (F2) to see whether the endorsement is on it</source>
      <translation>写入时证件被移开：请放回并读卡（F2），确认签注是否已写入</translation>
    </message>
    <message>
      <source>Endorsed for %1 ✔ — recorded, and sent with the next sync</source>
      <translation>%1 年签注完成 ✔ — 已记录，将随下次同步上报</translation>
    </message>
  </context>
  <context>
    <name>EndorsementsDueDialog</name>
    <message>
      <source>Endorsements due in the next 30 days</source>
      <translation>未来 30 天内签注到期</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>Due by</source>
      <translation>截止日期</translation>
    </message>
    <message>
      <source>Days left</source>
      <translation>剩余天数</translation>
    </message>
    <message>
      <source>Application no.</source>
      <translation>申请编号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Phone</source>
      <translation>联系电话</translation>
    </message>
    <message>
      <source>Community</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>Card issued</source>
      <translation>发证日期</translation>
    </message>
    <message>
      <source>Export the list…</source>
      <translation>导出名单…</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>%1 holder(s) to call in: the endorsement is done in the month before each anniversary of the card's issue date; a missed one suspends the card</source>
      <translation>需通知 %1 名持证人：签注应在发证日期每满一年前的一个月内办理；逾期未签注的居住证将暂停使用</translation>
    </message>
    <message>
      <source>(removed after retention)</source>
      <translation>（保存期满已清除）</translation>
    </message>
    <message>
      <source>Save the list</source>
      <translation>保存名单</translation>
    </message>
    <message>
      <source>Saved %1 (%2 holders)</source>
      <translation>已保存 %1（%2 人）</translation>
    </message>
  </context>
  <context>
    <name>EnrolPage</name>
    <message>
      <source>Central service</source>
      <translation>中心服务</translation>
    </message>
    <message>
      <source>Enrol this station with the card-production service (or skip and enrol later with 'station enrol').</source>
      <translation>在中心制证服务登记本站（也可跳过，之后用 'station enrol' 登记）。</translation>
    </message>
    <message>
      <source>Enrol</source>
      <translation>登记</translation>
    </message>
    <message>
      <source>Service address</source>
      <translation>服务地址</translation>
    </message>
    <message>
      <source>One-time code</source>
      <translation>一次性登记码</translation>
    </message>
    <message>
      <source>Enrolling…</source>
      <translation>正在登记…</translation>
    </message>
  </context>
  <context>
    <name>FieldSet</name>
    <message>
      <source>From the ID card</source>
      <translation>来自身份证</translation>
    </message>
    <message>
      <source>From the ID card, unlocked by the supervisor</source>
      <translation>来自身份证，已由站长解锁</translation>
    </message>
    <message>
      <source>— not given —</source>
      <translation>— 未填 —</translation>
    </message>
  </context>
  <context>
    <name>FirstRunWizard</name>
    <message>
      <source>Set up the intake station</source>
      <translation>设置受理站</translation>
    </message>
    <message>
      <source>The station is not created yet</source>
      <translation>站点尚未建立</translation>
    </message>
  </context>
  <context>
    <name>HomeFigures</name>
    <message>
      <source>A card is produced from these applications: they are sent once the photo is added</source>
      <translation>这些申请需要制证：补充照片后才上传</translation>
    </message>
    <message>
      <source>The central service accepted these records, then refused them in production</source>
      <translation>中心接收了这些记录，但在制证时退回</translation>
    </message>
    <message>
      <source>Yearly endorsements due within 30 days (from the card's issue date)</source>
      <translation>30 天内到期的年度签注（按发证日期推算）</translation>
    </message>
    <message>
      <source>Waiting for a photo: %1</source>
      <translation>待补照片：%1</translation>
    </message>
    <message>
      <source>Rejected in production: %1</source>
      <translation>制证退回：%1</translation>
    </message>
    <message>
      <source>Endorsements due in 30 days: %1</source>
      <translation>30 天内签注到期：%1</translation>
    </message>
  </context>
  <context>
    <name>HouseholdPage</name>
    <message>
      <source>Employer (required for work or business)</source>
      <translation>就业单位（务工、经商必填）</translation>
    </message>
    <message>
      <source>Employer</source>
      <translation>就业单位</translation>
    </message>
    <message>
      <source>Unified social credit code</source>
      <translation>统一社会信用代码</translation>
    </message>
    <message>
      <source>Employer's address</source>
      <translation>单位地址</translation>
    </message>
    <message>
      <source>Employer's phone</source>
      <translation>单位电话</translation>
    </message>
    <message>
      <source>Guardian (the applicant is under 16)</source>
      <translation>监护人（申请人未满16周岁）</translation>
    </message>
    <message>
      <source>Guardian's name</source>
      <translation>监护人姓名</translation>
    </message>
    <message>
      <source>Guardian's ID number</source>
      <translation>监护人身份证号</translation>
    </message>
    <message>
      <source>Relation</source>
      <translation>关系</translation>
    </message>
    <message>
      <source>Guardian's phone</source>
      <translation>监护人电话</translation>
    </message>
    <message>
      <source>Household members coming along (children for school places)</source>
      <translation>随行家庭成员（子女入学请填写）</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number (if any)</source>
      <translation>身份证号（如有）</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Add member (Ctrl+M)</source>
      <translation>添加成员（Ctrl+M）</translation>
    </message>
    <message>
      <source>No members added</source>
      <translation>未添加成员</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>删除</translation>
    </message>
  </context>
  <context>
    <name>ImportDialog</name>
    <message>
      <source>Import a registration list</source>
      <translation>导入登记名单</translation>
    </message>
    <message>
      <source>No file chosen</source>
      <translation>尚未选择文件</translation>
    </message>
    <message>
      <source>Choose file…</source>
      <translation>选择文件…</translation>
    </message>
    <message>
      <source>Save the template…</source>
      <translation>保存模板…</translation>
    </message>
    <message>
      <source>Referral-outcome template…</source>
      <translation>转介结果模板…</translation>
    </message>
    <message>
      <source>The list the departments fill in: delivered or declined, with the date</source>
      <translation>各部门填写的反馈表：已落实或已谢绝，以及日期</translation>
    </message>
    <message>
      <source>No photo folder</source>
      <translation>未选择照片文件夹</translation>
    </message>
    <message>
      <source>Photo folder…</source>
      <translation>照片文件夹…</translation>
    </message>
    <message>
      <source>Photos named by ID number (&lt;ID number&gt;.jpg); rows without one wait for it</source>
      <translation>照片以公民身份号码命名（&lt;身份号码&gt;.jpg）；没有照片的行等待补照片</translation>
    </message>
    <message>
      <source>Check only (store nothing)</source>
      <translation>只校验（不保存）</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Save rejected rows…</source>
      <translation>保存未通过的行…</translation>
    </message>
    <message>
      <source>Row</source>
      <translation>行号</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>Code</source>
      <translation>代码</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <source>Photo folder</source>
      <translation>照片文件夹</translation>
    </message>
    <message>
      <source>Registration list</source>
      <translation>登记名单</translation>
    </message>
    <message>
      <source>Save the template</source>
      <translation>保存模板</translation>
    </message>
    <message>
      <source>Row %1…</source>
      <translation>第 %1 行…</translation>
    </message>
    <message>
      <source>Referral outcomes: %1 recorded, %2 recorded before, %3 row(s) rejected</source>
      <translation>转介结果：登记 %1 条，此前已登记 %2 条，退回 %3 行</translation>
    </message>
    <message>
      <source>%1 saved, %2 already imported, %3 row(s) rejected</source>
      <translation>已保存 %1 条，%2 条此前已导入，%3 行未通过</translation>
    </message>
    <message>
      <source>%1 wait for their photo</source>
      <translation>%1 条等待补照片</translation>
    </message>
    <message>
      <source>%1 photo(s) added to earlier rows</source>
      <translation>为此前导入的记录补充照片 %1 张</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>已取消</translation>
    </message>
    <message>
      <source>the file could not be read after row %1; import it again when it is back</source>
      <translation>第 %1 行之后文件无法读取；文件恢复后请重新导入</translation>
    </message>
    <message>
      <source>Save rejected rows</source>
      <translation>保存未通过的行</translation>
    </message>
  </context>
  <context>
    <name>IntakeDialog</name>
    <message>
      <source>New registration</source>
      <translation>居住登记</translation>
    </message>
    <message>
      <source>Change of address or employer: application %1</source>
      <translation>变更住址或单位：申请 %1</translation>
    </message>
    <message>
      <source>Replacement card: application %1</source>
      <translation>补换证：申请 %1</translation>
    </message>
    <message>
      <source>Move-out: application %1</source>
      <translation>注销（迁出）：申请 %1</translation>
    </message>
    <message>
      <source>Correct application %1</source>
      <translation>更正申请 %1</translation>
    </message>
    <message>
      <source>1 Applicant</source>
      <translation>1 申请人</translation>
    </message>
    <message>
      <source>2 Residence</source>
      <translation>2 居住信息</translation>
    </message>
    <message>
      <source>3 Work and family</source>
      <translation>3 就业与家庭</translation>
    </message>
    <message>
      <source>4 Services and photo</source>
      <translation>4 服务与照片</translation>
    </message>
    <message>
      <source>5 Review and save</source>
      <translation>5 核对并保存</translation>
    </message>
    <message>
      <source>none yet: without one, no card is made (F3 takes it)</source>
      <translation>尚无照片：没有照片不能制证（F3 拍照）</translation>
    </message>
    <message>
      <source>Retake (F3)</source>
      <translation>重拍（F3）</translation>
    </message>
    <message>
      <source>Correction saved as version %1</source>
      <translation>更正已保存为第 %1 版</translation>
    </message>
    <message>
      <source>Nothing changed</source>
      <translation>没有改动</translation>
    </message>
    <message>
      <source>it waits for the applicant's photo and is not sent until then</source>
      <translation>等待申请人照片，补照片前不上传</translation>
    </message>
    <message>
      <source>Restore the unsaved form</source>
      <translation>恢复未保存的表单</translation>
    </message>
    <message>
      <source>An unsaved form was found (after a crash or lock)</source>
      <translation>发现未保存的表单（程序中断或锁屏后）</translation>
    </message>
    <message>
      <source>Reading the card…</source>
      <translation>正在读卡…</translation>
    </message>
    <message>
      <source>taken</source>
      <translation>已拍</translation>
    </message>
    <message>
      <source>kept from the saved version</source>
      <translation>沿用已保存的照片</translation>
    </message>
    <message>
      <source>missing</source>
      <translation>未拍</translation>
    </message>
    <message>
      <source>Read from the card ✔ (green fields)</source>
      <translation>已读卡 ✔（绿色为证件信息）</translation>
    </message>
    <message>
      <source>Photo taken ✔</source>
      <translation>已拍照 ✔</translation>
    </message>
    <message>
      <source> (checked by hand)</source>
      <translation>（人工确认）</translation>
    </message>
    <message>
      <source>Take the applicant's photo first (F3)</source>
      <translation>请先为申请人拍照（F3）</translation>
    </message>
    <message>
      <source>Saving…</source>
      <translation>正在保存…</translation>
    </message>
    <message>
      <source>Receipt saved: %1</source>
      <translation>回执已保存：%1</translation>
    </message>
    <message>
      <source>Saved. Ctrl+P prints the receipt; Esc closes.</source>
      <translation>已保存。Ctrl+P 打印回执，Esc 关闭。</translation>
    </message>
    <message>
      <source>Saved: application %1</source>
      <translation>已保存：申请编号 %1</translation>
    </message>
  </context>
  <context>
    <name>KeyPage</name>
    <message>
      <source>Endorsement key</source>
      <translation>签注密钥</translation>
    </message>
    <message>
      <source>The 32-hex-digit key K_endorse issued for this station. It can be set later with 'station config set permit.endorse_key'.</source>
      <translation>为本站签发的32位十六进制签注密钥 K_endorse。也可以之后用 'station config set permit.endorse_key' 设置。</translation>
    </message>
    <message>
      <source>Key</source>
      <translation>密钥</translation>
    </message>
  </context>
  <context>
    <name>LockDialog</name>
    <message>
      <source>Screen locked</source>
      <translation>屏幕已锁定</translation>
    </message>
    <message>
      <source>The screen is locked</source>
      <translation>屏幕已锁定</translation>
    </message>
    <message>
      <source>Operator %1: enter your password to continue</source>
      <translation>操作员 %1：请输入密码继续</translation>
    </message>
    <message>
      <source>Unlock</source>
      <translation>解锁</translation>
    </message>
  </context>
  <context>
    <name>LoginDialog</name>
    <message>
      <source>Residence-permit intake station</source>
      <translation>居住证受理站</translation>
    </message>
    <message>
      <source>operator name</source>
      <translation>操作员名称</translation>
    </message>
    <message>
      <source>password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Operator</source>
      <translation>操作员</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>登录</translation>
    </message>
    <message>
      <source>Enter the operator name and the password</source>
      <translation>请输入操作员名称和密码</translation>
    </message>
    <message>
      <source>Checking…</source>
      <translation>正在验证…</translation>
    </message>
    <message>
      <source>The station could not open its database: %1</source>
      <translation>受理站无法打开数据库：%1</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Residence-permit intake station</source>
      <translation>居住证受理站</translation>
    </message>
    <message>
      <source>Station %1</source>
      <translation>站点 %1</translation>
    </message>
    <message>
      <source>Camera (F3)</source>
      <translation>摄像头 (F3)</translation>
    </message>
    <message>
      <source>Check the camera and take a test photo</source>
      <translation>检查摄像头并拍一张测试照片</translation>
    </message>
    <message>
      <source>New registration (F4)</source>
      <translation>居住登记（F4）</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Reports</source>
      <translation>报表</translation>
    </message>
    <message>
      <source>Switch the interface language</source>
      <translation>切换界面语言</translation>
    </message>
    <message>
      <source>Log out</source>
      <translation>退出登录</translation>
    </message>
    <message>
      <source>Search by ID number, name, phone or application number</source>
      <translation>按身份证号、姓名、电话或申请编号查找</translation>
    </message>
    <message>
      <source>Waiting for a photo only</source>
      <translation>只看待补照片</translation>
    </message>
    <message>
      <source>Only the applications that are not sent until their photo is added</source>
      <translation>只显示补充照片前不会上传的申请</translation>
    </message>
    <message>
      <source>Sync: not enrolled</source>
      <translation>同步：本站尚未登记</translation>
    </message>
    <message>
      <source>Sync now</source>
      <translation>立即同步</translation>
    </message>
    <message>
      <source>applications taken in today</source>
      <translation>今日受理申请</translation>
    </message>
    <message>
      <source>Find the applicant in the list, open the record (Enter) and choose %1 there</source>
      <translation>请先在列表中找到申请人，打开记录（回车）后选择“%1”</translation>
    </message>
    <message>
      <source>New registration  F4</source>
      <translation>居住登记  F4</translation>
    </message>
    <message>
      <source>Change of address or employer</source>
      <translation>变更住址或单位</translation>
    </message>
    <message>
      <source>change</source>
      <translation>变更</translation>
    </message>
    <message>
      <source>Replacement card</source>
      <translation>补换证</translation>
    </message>
    <message>
      <source>replacement</source>
      <translation>补换证</translation>
    </message>
    <message>
      <source>Move-out</source>
      <translation>注销（迁出）</translation>
    </message>
    <message>
      <source>move-out</source>
      <translation>注销</translation>
    </message>
    <message>
      <source>Yearly endorsement</source>
      <translation>年度签注</translation>
    </message>
    <message>
      <source>Card pickup</source>
      <translation>领证</translation>
    </message>
    <message>
      <source>Search  Ctrl+F</source>
      <translation>查询  Ctrl+F</translation>
    </message>
    <message>
      <source>Sync status</source>
      <translation>同步状态</translation>
    </message>
    <message>
      <source>Day review</source>
      <translation>当日审核</translation>
    </message>
    <message>
      <source>Taken in today: %1</source>
      <translation>今日受理：%1</translation>
    </message>
    <message>
      <source>Technicians manage the station; applications are not shown to this role.</source>
      <translation>技术员负责维护站点，此角色不显示申请信息。</translation>
    </message>
    <message>
      <source>%1 waiting for a photo (open one and press F3 to add it)</source>
      <translation>%1 条待补照片（打开记录后按 F3 补拍）</translation>
    </message>
    <message>
      <source>%1 found</source>
      <translation>找到 %1 条</translation>
    </message>
    <message>
      <source>Latest applications</source>
      <translation>最近的申请</translation>
    </message>
    <message>
      <source>Sync: sending…</source>
      <translation>同步：正在上传…</translation>
    </message>
    <message>
      <source>Sync: %1 waiting, %2 accepted, %3 need action, %4 cards ready</source>
      <translation>同步：%1 份待上传，%2 份已接收，%3 份需处理，%4 张证待领</translation>
    </message>
    <message>
      <source>offline: will retry</source>
      <translation>离线：稍后重试</translation>
    </message>
    <message>
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <source>Something went wrong</source>
      <translation>出现问题</translation>
    </message>
  </context>
  <context>
    <name>OperatorsPage</name>
    <message>
      <source>Operators</source>
      <translation>操作员</translation>
    </message>
    <message>
      <source>Add the coordinators and the supervisor of this station.</source>
      <translation>添加本站的协管员和站长。</translation>
    </message>
    <message>
      <source>coordinator</source>
      <translation>协管员</translation>
    </message>
    <message>
      <source>supervisor</source>
      <translation>站长</translation>
    </message>
    <message>
      <source>technician</source>
      <translation>技术员</translation>
    </message>
    <message>
      <source>Add</source>
      <translation>添加</translation>
    </message>
    <message>
      <source>Operator name</source>
      <translation>操作员名称</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>Initial password</source>
      <translation>初始密码</translation>
    </message>
  </context>
  <context>
    <name>PhotoAdder</name>
    <message>
      <source>Add the applicant's photo</source>
      <translation>补充申请人照片</translation>
    </message>
    <message>
      <source>The photo is taken when every check passes (or by hand with the button)</source>
      <translation>各项检查通过后自动拍照（也可用按钮手动拍照）</translation>
    </message>
    <message>
      <source>From a file…</source>
      <translation>从文件读取…</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>The applicant's photo</source>
      <translation>申请人照片</translation>
    </message>
    <message>
      <source>Saving the photo…</source>
      <translation>正在保存照片…</translation>
    </message>
  </context>
  <context>
    <name>PhotoPreview</name>
    <message>
      <source>Starting the camera…</source>
      <translation>正在启动摄像头…</translation>
    </message>
    <message>
      <source>Take photo</source>
      <translation>拍照</translation>
    </message>
    <message>
      <source>Takes the photo now; when a check fails you are asked to confirm</source>
      <translation>立即拍照；若有检查未通过，会先请您确认</translation>
    </message>
    <message>
      <source>Look at the camera</source>
      <translation>请看摄像头</translation>
    </message>
    <message>
      <source>The video has ended</source>
      <translation>视频已播放完毕</translation>
    </message>
    <message>
      <source>Hold still…</source>
      <translation>请保持不动…</translation>
    </message>
    <message>
      <source>Not ready yet: see the items in red</source>
      <translation>尚未就绪：请看红色提示</translation>
    </message>
    <message>
      <source>Retake</source>
      <translation>重拍</translation>
    </message>
    <message>
      <source>Photo taken</source>
      <translation>已拍照</translation>
    </message>
    <message>
      <source>Photo taken despite failed checks</source>
      <translation>已拍照（有检查未通过）</translation>
    </message>
    <message>
      <source>Take the photo anyway?</source>
      <translation>仍要拍照吗？</translation>
    </message>
    <message>
      <source>The photo does not pass these checks:</source>
      <translation>照片未通过以下检查：</translation>
    </message>
    <message>
      <source>A rejected photo means a second trip for the applicant. Take it anyway?</source>
      <translation>照片被退回意味着申请人要再跑一趟。仍要拍照吗？</translation>
    </message>
    <message>
      <source>Take anyway</source>
      <translation>仍然拍照</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
  </context>
  <context>
    <name>PickupDialog</name>
    <message>
      <source>Card pickup</source>
      <translation>领证</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>Read the holder's ID card (F2) or choose the row, then hand over (Ctrl+Enter)</source>
      <translation>读取领证人身份证（F2）或选中一行，然后发证（Ctrl+Enter）</translation>
    </message>
    <message>
      <source>Application no.</source>
      <translation>申请编号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Phone (last 4)</source>
      <translation>电话（后4位）</translation>
    </message>
    <message>
      <source>Ready since</source>
      <translation>可领取日期</translation>
    </message>
    <message>
      <source>Waiting (days)</source>
      <translation>已等待（天）</translation>
    </message>
    <message>
      <source>Read ID card (F2)</source>
      <translation>读身份证（F2）</translation>
    </message>
    <message>
      <source>Hand over (Ctrl+Enter)</source>
      <translation>发证（Ctrl+Enter）</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>%1 card(s) waiting; the oldest for %2 day(s)</source>
      <translation>%1 张证件待领取；最早的已等待 %2 天</translation>
    </message>
    <message>
      <source>No cards waiting for pickup</source>
      <translation>没有待领取的证件</translation>
    </message>
    <message>
      <source>Reading the card…</source>
      <translation>正在读卡…</translation>
    </message>
    <message>
      <source>No card is waiting for this ID card's holder</source>
      <translation>没有此身份证持有人的待领证件</translation>
    </message>
    <message>
      <source>ID card checked ✔ — the card is selected; hand over with Ctrl+Enter</source>
      <translation>身份证核验 ✔ — 已选中证件；按 Ctrl+Enter 发证</translation>
    </message>
    <message>
      <source>Hand over the card of %1 (%2)?</source>
      <translation>将证件发给 %1（%2）？</translation>
    </message>
    <message>
      <source>The holder's ID card was not read: check the ID document by eye.</source>
      <translation>未读取领证人身份证：请人工核对证件。</translation>
    </message>
    <message>
      <source>Handover recorded; it is sent with the next sync</source>
      <translation>已记录发证；将随下次同步上报</translation>
    </message>
  </context>
  <context>
    <name>Problems</name>
    <message>
      <source>Member %1</source>
      <translation>第 %1 位成员</translation>
    </message>
    <message>
      <source>Members</source>
      <translation>家庭成员</translation>
    </message>
    <message>
      <source>Guardian</source>
      <translation>监护人</translation>
    </message>
    <message>
      <source>Employer</source>
      <translation>就业单位</translation>
    </message>
    <message>
      <source>Services</source>
      <translation>服务</translation>
    </message>
    <message>
      <source>Residence</source>
      <translation>居住信息</translation>
    </message>
    <message>
      <source>Dwelling</source>
      <translation>住所类型</translation>
    </message>
    <message>
      <source>Applicant</source>
      <translation>申请人</translation>
    </message>
    <message>
      <source>Photo</source>
      <translation>拍照</translation>
    </message>
    <message>
      <source>Cannot save yet: %1 problem(s), first: %2</source>
      <translation>暂不能保存：%1 处问题，第一处：%2</translation>
    </message>
    <message>
      <source>the photo</source>
      <translation>照片</translation>
    </message>
    <message>
      <source>Ready to save (Ctrl+S)</source>
      <translation>可以保存（Ctrl+S）</translation>
    </message>
    <message>
      <source>Photo: take the applicant's photo (F3)</source>
      <translation>照片：请为申请人拍照（F3）</translation>
    </message>
  </context>
  <context>
    <name>ProfilePage</name>
    <message>
      <source>Station profile</source>
      <translation>站点配置</translation>
    </message>
    <message>
      <source>The city's streets and communities and the station's details, from the profile file the district gave (.json or .xlsx).</source>
      <translation>本市的街道和社区以及本站信息，来自区里下发的站点配置文件（.json 或 .xlsx）。</translation>
    </message>
    <message>
      <source>profile.xlsx or profile.json</source>
      <translation>站点配置.xlsx 或 站点配置.json</translation>
    </message>
    <message>
      <source>Choose…</source>
      <translation>选择…</translation>
    </message>
    <message>
      <source>Check</source>
      <translation>检查</translation>
    </message>
    <message>
      <source>Load this profile</source>
      <translation>导入此配置</translation>
    </message>
    <message>
      <source>Without a profile, intake refuses every community: load it now, or later with 'station profile import FILE'.</source>
      <translation>没有站点配置时，受理会拒绝所有社区：现在导入，或稍后用 'station profile import 文件' 导入。</translation>
    </message>
    <message>
      <source>Choose the station profile</source>
      <translation>选择站点配置</translation>
    </message>
    <message>
      <source>Checking…</source>
      <translation>正在检查…</translation>
    </message>
    <message>
      <source>Version %1 · %2 (%3) · %4 streets, %5 communities</source>
      <translation>版本 %1 · %2（%3）· %4 个街道，%5 个社区</translation>
    </message>
    <message>
      <source>%1: %2 streets, %3 communities</source>
      <translation>%1：%2 个街道，%3 个社区</translation>
    </message>
    <message>
      <source>%1 problem(s): nothing of this file can be loaded until they are fixed.</source>
      <translation>%1 个问题：修正之前，此文件的任何内容都不能导入。</translation>
    </message>
    <message>
      <source>Street %1</source>
      <translation>街道 %1</translation>
    </message>
    <message>
      <source>Community %1</source>
      <translation>社区 %1</translation>
    </message>
    <message>
      <source>code</source>
      <translation>代码</translation>
    </message>
    <message>
      <source>name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>Version</source>
      <translation>版本</translation>
    </message>
    <message>
      <source>City</source>
      <translation>城市</translation>
    </message>
    <message>
      <source>Format</source>
      <translation>格式</translation>
    </message>
    <message>
      <source>Streets</source>
      <translation>街道</translation>
    </message>
    <message>
      <source>Communities</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>Station name</source>
      <translation>站点名称</translation>
    </message>
    <message>
      <source>Station address</source>
      <translation>站点地址</translation>
    </message>
    <message>
      <source>Station phone</source>
      <translation>站点电话</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在导入…</translation>
    </message>
    <message>
      <source>Profile version %1 loaded</source>
      <translation>已导入站点配置版本 %1</translation>
    </message>
  </context>
  <context>
    <name>Receipt</name>
    <message>
      <source>Residence permit application receipt</source>
      <translation>居住证申领受理回执</translation>
    </message>
    <message>
      <source>Application no.: %1</source>
      <translation>申请编号：%1</translation>
    </message>
    <message>
      <source>Applicant: %1   ID number: %2</source>
      <translation>申请人：%1　公民身份号码：%2</translation>
    </message>
    <message>
      <source>Kind: %1   Taken in: %2</source>
      <translation>业务类型：%1　受理日期：%2</translation>
    </message>
    <message>
      <source>Services requested: %1</source>
      <translation>申请的公共服务：%1</translation>
    </message>
    <message>
      <source>Promised pickup date: %1</source>
      <translation>承诺领证日期：%1</translation>
    </message>
    <message>
      <source>Station address: %1   Phone: %2</source>
      <translation>受理点地址：%1　电话：%2</translation>
    </message>
    <message>
      <source>Save the receipt</source>
      <translation>保存回执</translation>
    </message>
  </context>
  <context>
    <name>RecordHtml</name>
    <message>
      <source>Applicant</source>
      <translation>申请人</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Sex</source>
      <translation>性别</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Marital status</source>
      <translation>婚姻状况</translation>
    </message>
    <message>
      <source>Phone</source>
      <translation>联系电话</translation>
    </message>
    <message>
      <source>Hukou address</source>
      <translation>户籍地址</translation>
    </message>
    <message>
      <source>Residence</source>
      <translation>居住信息</translation>
    </message>
    <message>
      <source>District</source>
      <translation>区县</translation>
    </message>
    <message>
      <source>Community</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>Arrival date</source>
      <translation>来本市日期</translation>
    </message>
    <message>
      <source>Intended stay (months)</source>
      <translation>拟居住时间（月）</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>居住事由</translation>
    </message>
    <message>
      <source>Dwelling</source>
      <translation>住所类型</translation>
    </message>
    <message>
      <source>Employer</source>
      <translation>就业单位</translation>
    </message>
    <message>
      <source>USCC</source>
      <translation>统一社会信用代码</translation>
    </message>
    <message>
      <source>Guardian</source>
      <translation>监护人</translation>
    </message>
    <message>
      <source>Members</source>
      <translation>家庭成员</translation>
    </message>
    <message>
      <source>Services</source>
      <translation>服务</translation>
    </message>
    <message>
      <source>Requested</source>
      <translation>申请的服务</translation>
    </message>
  </context>
  <context>
    <name>RecordView</name>
    <message>
      <source>Application %1</source>
      <translation>申请 %1</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Operator</source>
      <translation>操作员</translation>
    </message>
    <message>
      <source>What</source>
      <translation>事项</translation>
    </message>
    <message>
      <source>Version</source>
      <translation>版本</translation>
    </message>
    <message>
      <source>Saved</source>
      <translation>保存时间</translation>
    </message>
    <message>
      <source>What changed</source>
      <translation>改动内容</translation>
    </message>
    <message>
      <source>Event</source>
      <translation>事件</translation>
    </message>
    <message>
      <source>Record</source>
      <translation>登记信息</translation>
    </message>
    <message>
      <source>History</source>
      <translation>操作记录</translation>
    </message>
    <message>
      <source>Versions</source>
      <translation>历史版本</translation>
    </message>
    <message>
      <source>Sync</source>
      <translation>上传状态</translation>
    </message>
    <message>
      <source>Referrals (7+1)</source>
      <translation>转介（7+1）</translation>
    </message>
    <message>
      <source>Correct (Ctrl+E)</source>
      <translation>更正（Ctrl+E）</translation>
    </message>
    <message>
      <source>Change address or employer</source>
      <translation>变更住址或单位</translation>
    </message>
    <message>
      <source>Replace a lost or damaged card</source>
      <translation>补领或换领证件</translation>
    </message>
    <message>
      <source>Move out (deregister)</source>
      <translation>迁出注销</translation>
    </message>
    <message>
      <source>Add the photo (F3)</source>
      <translation>补充照片（F3）</translation>
    </message>
    <message>
      <source>This application prints a card: it is sent once it has the photo</source>
      <translation>该申请需要制证：有照片后才上传</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>%1 · version %2 · %3 · taken in %4 by %5</source>
      <translation>%1 · 第 %2 版 · %3 · %4 由 %5 受理</translation>
    </message>
    <message>
      <source>No photo: a card is produced from this application, so it is not sent until the photo is added (F3)</source>
      <translation>没有照片：该申请需要制证，补充照片（F3）后才上传</translation>
    </message>
    <message>
      <source>The service says: %1</source>
      <translation>中心反馈：%1</translation>
    </message>
    <message>
      <source>No photo</source>
      <translation>无照片</translation>
    </message>
    <message>
      <source>first version</source>
      <translation>首次登记</translation>
    </message>
    <message>
      <source>Upload: %1</source>
      <translation>上传：%1</translation>
    </message>
    <message>
      <source>Taken in</source>
      <translation>受理</translation>
    </message>
    <message>
      <source>Corrected</source>
      <translation>更正</translation>
    </message>
    <message>
      <source>Viewed</source>
      <translation>查看</translation>
    </message>
    <message>
      <source>Imported</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Endorsed</source>
      <translation>签注</translation>
    </message>
    <message>
      <source>Sent</source>
      <translation>已上传</translation>
    </message>
    <message>
      <source>Personal data removed</source>
      <translation>已清除个人信息</translation>
    </message>
    <message>
      <source>Photo added</source>
      <translation>已补充照片</translation>
    </message>
    <message>
      <source>Referral outcome</source>
      <translation>转介结果</translation>
    </message>
    <message>
      <source>(version %1)</source>
      <translation>（第 %1 版）</translation>
    </message>
  </context>
  <context>
    <name>RecoveryPage</name>
    <message>
      <source>Recovery code</source>
      <translation>恢复码</translation>
    </message>
    <message>
      <source>Shown only this once. Print it or write it down and lock it away: it restores the station when every password is lost.</source>
      <translation>只显示这一次。请打印或抄下并锁好保管：所有密码都丢失时凭它恢复站点。</translation>
    </message>
    <message>
      <source>Creating the encrypted database…</source>
      <translation>正在建立加密数据库…</translation>
    </message>
    <message>
      <source>Print…</source>
      <translation>打印…</translation>
    </message>
    <message>
      <source>I have kept the code safe</source>
      <translation>我已妥善保管恢复码</translation>
    </message>
    <message>
      <source>Station %1 recovery code:</source>
      <translation>站点 %1 的恢复码：</translation>
    </message>
  </context>
  <context>
    <name>ReferralsPanel</name>
    <message>
      <source>Service</source>
      <translation>服务项目</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Referred on</source>
      <translation>转介日期</translation>
    </message>
    <message>
      <source>Outcome on</source>
      <translation>结果日期</translation>
    </message>
    <message>
      <source>Recorded by</source>
      <translation>登记人</translation>
    </message>
    <message>
      <source>Delivered</source>
      <translation>已落实</translation>
    </message>
    <message>
      <source>Declined by the applicant</source>
      <translation>申请人谢绝</translation>
    </message>
    <message>
      <source>Referred, no answer yet</source>
      <translation>已转介，尚无反馈</translation>
    </message>
    <message>
      <source>The applicant asked for none of the 7+1 services</source>
      <translation>申请人未申请“7+1”服务</translation>
    </message>
    <message>
      <source>Choose a service in the list first</source>
      <translation>请先在列表中选择服务项目</translation>
    </message>
    <message>
      <source>Outcome recorded</source>
      <translation>结果已登记</translation>
    </message>
  </context>
  <context>
    <name>ReportSettings</name>
    <message>
      <source>What the reports measure against</source>
      <translation>报表的对比基准</translation>
    </message>
    <message>
      <source>Estimated floating population</source>
      <translation>估计流动人口数</translation>
    </message>
    <message>
      <source>Population per community (name=number;…)</source>
      <translation>各社区人口（名称=人数;…）</translation>
    </message>
    <message>
      <source>Coordinators per community (name=number;…)</source>
      <translation>各社区协管员（名称=人数;…）</translation>
    </message>
    <message>
      <source>At most residents per coordinator</source>
      <translation>每名协管员最多服务人数</translation>
    </message>
    <message>
      <source>Coverage target (%)</source>
      <translation>登记覆盖率目标（%）</translation>
    </message>
    <message>
      <source>First-attempt acceptance target (%)</source>
      <translation>一次通过率目标（%）</translation>
    </message>
    <message>
      <source>Referral delivery target (%)</source>
      <translation>转介落实率目标（%）</translation>
    </message>
    <message>
      <source>Save the figures</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>Saved</source>
      <translation>已保存</translation>
    </message>
  </context>
  <context>
    <name>ReportsDialog</name>
    <message>
      <source>Reports</source>
      <translation>报表</translation>
    </message>
    <message>
      <source>Excel (XLSX, with charts)</source>
      <translation>Excel（XLSX，含图表）</translation>
    </message>
    <message>
      <source>PDF</source>
      <translation>PDF</translation>
    </message>
    <message>
      <source>CSV (Excel/WPS)</source>
      <translation>CSV（Excel/WPS）</translation>
    </message>
    <message>
      <source>Export report…</source>
      <translation>导出报表…</translation>
    </message>
    <message>
      <source>Export referral lists…</source>
      <translation>导出转介名单…</translation>
    </message>
    <message>
      <source>Endorsements due…</source>
      <translation>签注到期名单…</translation>
    </message>
    <message>
      <source>The permits whose endorsement falls due in 30 days</source>
      <translation>30 天内签注到期的居住证</translation>
    </message>
    <message>
      <source>From</source>
      <translation>起</translation>
    </message>
    <message>
      <source>To</source>
      <translation>止</translation>
    </message>
    <message>
      <source>Format</source>
      <translation>格式</translation>
    </message>
    <message>
      <source>Save report</source>
      <translation>保存报表</translation>
    </message>
    <message>
      <source>Saved %1 (%2 applications)</source>
      <translation>已保存 %1（%2 份申请）</translation>
    </message>
    <message>
      <source>Folder for the lists</source>
      <translation>名单保存的文件夹</translation>
    </message>
    <message>
      <source>%1 referral list(s) saved</source>
      <translation>已保存 %1 份转介名单</translation>
    </message>
  </context>
  <context>
    <name>ResidencePage</name>
    <message>
      <source>Residence in the city</source>
      <translation>本市居住信息</translation>
    </message>
    <message>
      <source>No station profile is loaded: the communities are missing. A technician imports the city's profile (station profile import FILE).</source>
      <translation>尚未导入站点配置，没有社区可选。请技术员导入本市的站点配置（station profile import 文件）。</translation>
    </message>
    <message>
      <source>District</source>
      <translation>区县</translation>
    </message>
    <message>
      <source>Community</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>Arrival date (YYYY-MM-DD)</source>
      <translation>来本地日期（YYYY-MM-DD）</translation>
    </message>
    <message>
      <source>Intended stay (months)</source>
      <translation>拟居住时间（月）</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>居住事由</translation>
    </message>
    <message>
      <source>Dwelling</source>
      <translation>住所类型</translation>
    </message>
    <message>
      <source>Landlord (rented dwelling)</source>
      <translation>房东信息（租赁房屋）</translation>
    </message>
    <message>
      <source>Landlord</source>
      <translation>房东姓名</translation>
    </message>
    <message>
      <source>Landlord's phone</source>
      <translation>房东电话</translation>
    </message>
    <message>
      <source>Landlord's ID number</source>
      <translation>房东身份号码</translation>
    </message>
  </context>
  <context>
    <name>ReviewDialog</name>
    <message>
      <source>Day review</source>
      <translation>当日审核</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>Operator</source>
      <translation>操作员</translation>
    </message>
    <message>
      <source>Applications</source>
      <translation>申请数</translation>
    </message>
    <message>
      <source>Community</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>Application no.</source>
      <translation>申请编号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Flag</source>
      <translation>提示</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <source>Confirm the day</source>
      <translation>确认当日工作</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>Day</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>By operator</source>
      <translation>按操作员</translation>
    </message>
    <message>
      <source>By community</source>
      <translation>按社区</translation>
    </message>
    <message>
      <source>Flagged records (Enter opens the record)</source>
      <translation>需核查的记录（回车打开）</translation>
    </message>
    <message>
      <source>Possible duplicate: same ID number</source>
      <translation>可能重复：身份证号相同</translation>
    </message>
    <message>
      <source>Possible duplicate: same name and birth date</source>
      <translation>可能重复：姓名和出生日期相同</translation>
    </message>
    <message>
      <source>Photo taken although a check failed</source>
      <translation>照片未通过检查仍被采用</translation>
    </message>
    <message>
      <source>Corrected after upload</source>
      <translation>上报后被更正</translation>
    </message>
    <message>
      <source>%1 application(s), %2 flagged</source>
      <translation>%1 件申请，%2 件需核查</translation>
    </message>
    <message>
      <source>confirmed by %1 at %2</source>
      <translation>%1 已于 %2 确认</translation>
    </message>
    <message>
      <source>Confirm %1: %2 application(s), %3 flagged record(s)?</source>
      <translation>确认 %1：%2 件申请，%3 件需核查记录？</translation>
    </message>
  </context>
  <context>
    <name>ReviewPage</name>
    <message>
      <source>Save (Ctrl+S)</source>
      <translation>保存（Ctrl+S）</translation>
    </message>
    <message>
      <source>Receipt (Ctrl+P)</source>
      <translation>打印回执（Ctrl+P）</translation>
    </message>
    <message>
      <source>Photo</source>
      <translation>照片</translation>
    </message>
    <message>
      <source>No photo</source>
      <translation>无照片</translation>
    </message>
    <message>
      <source>%1 problem(s) block saving — Enter on one goes to the field</source>
      <translation>%1 处问题未解决，不能保存 — 选中后按回车跳到该项</translation>
    </message>
    <message>
      <source>Nothing blocks saving</source>
      <translation>信息完整，可以保存</translation>
    </message>
  </context>
  <context>
    <name>ServicesPage</name>
    <message>
      <source>Services requested (7+1)</source>
      <translation>申请的服务（7+1）</translation>
    </message>
    <message>
      <source>Services</source>
      <translation>服务</translation>
    </message>
    <message>
      <source>Photo</source>
      <translation>拍照</translation>
    </message>
    <message>
      <source>No photo yet: F3 starts the camera, the photo is taken when every check passes</source>
      <translation>尚未拍照：按 F3 打开摄像头，各项检查通过后自动拍照</translation>
    </message>
    <message>
      <source>Take photo (F3)</source>
      <translation>拍照（F3）</translation>
    </message>
  </context>
  <context>
    <name>StationPage</name>
    <message>
      <source>The station</source>
      <translation>站点</translation>
    </message>
    <message>
      <source>The intake point's code and city, as given by the district.</source>
      <translation>区里下发的受理点代码和所在城市。</translation>
    </message>
    <message>
      <source>Station code (12 digits)</source>
      <translation>站点代码（12位）</translation>
    </message>
    <message>
      <source>City</source>
      <translation>城市</translation>
    </message>
    <message>
      <source>Station name</source>
      <translation>站点名称</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>Phone</source>
      <translation>电话</translation>
    </message>
  </context>
  <context>
    <name>SyncStatusDialog</name>
    <message>
      <source>Sync status</source>
      <translation>同步状态</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>Needs action (Enter opens the correction)</source>
      <translation>需要处理（回车打开更正）</translation>
    </message>
    <message>
      <source>Application no.</source>
      <translation>申请编号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>The service says</source>
      <translation>中心反馈</translation>
    </message>
    <message>
      <source>Sync now</source>
      <translation>立即同步</translation>
    </message>
    <message>
      <source>Close (Esc)</source>
      <translation>关闭（Esc）</translation>
    </message>
    <message>
      <source>Sending…</source>
      <translation>正在发送…</translation>
    </message>
    <message>
      <source>%1 waiting to be sent · %2 accepted · %3 need action · %4 cards ready · %5 handovers not yet sent</source>
      <translation>%1 件待上报 · %2 件已接收 · %3 件需处理 · %4 张证件可领 · %5 条发证记录待上报</translation>
    </message>
    <message>
      <source>%1 rejected in production (after acceptance) · %2 waiting for a photo, not sent until it is added</source>
      <translation>%1 条制证时被退回（已接收后）· %2 条待补照片，补照片前不上传</translation>
    </message>
    <message>
      <source>Last successful sync: %1</source>
      <translation>上次成功同步：%1</translation>
    </message>
    <message>
      <source>never</source>
      <translation>从未</translation>
    </message>
    <message>
      <source>Last problem: %1 (retried automatically)</source>
      <translation>上次问题：%1（将自动重试）</translation>
    </message>
    <message>
      <source>The central service's code tables %1 were refused; the loaded station profile stays in use (station doctor)</source>
      <translation>中心服务的代码表 %1 已被拒绝；继续使用已导入的站点配置（见 station doctor）</translation>
    </message>
    <message>
      <source>%1 exported batch(es) wait for the central service's answer</source>
      <translation>%1 个已导出的批次等待中心服务答复</translation>
    </message>
    <message>
      <source>This station is not enrolled with the central service; a technician enrols it</source>
      <translation>本站尚未在中心服务登记，请技术人员办理</translation>
    </message>
  </context>
  <context>
    <name>TechnicianPage</name>
    <message>
      <source>The first technician</source>
      <translation>第一名技术员</translation>
    </message>
    <message>
      <source>This account manages operators, devices and backups.</source>
      <translation>此账号负责管理操作员、设备和备份。</translation>
    </message>
    <message>
      <source>Operator name</source>
      <translation>操作员名称</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Repeat password</source>
      <translation>再次输入密码</translation>
    </message>
    <message>
      <source>At least %1 characters</source>
      <translation>至少 %1 个字符</translation>
    </message>
    <message>
      <source>The two passwords differ</source>
      <translation>两次输入的密码不一致</translation>
    </message>
  </context>
  <context>
    <name>WizardFrame</name>
    <message>
      <source>← Back (Alt+←)</source>
      <translation>← 上一步（Alt+←）</translation>
    </message>
    <message>
      <source>Next (Alt+→) →</source>
      <translation>下一步（Alt+→）→</translation>
    </message>
  </context>
  <context>
    <name>fields</name>
    <message>
      <source>Kind</source>
      <translation>业务类型</translation>
    </message>
    <message>
      <source>Photo</source>
      <translation>照片</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Phone</source>
      <translation>联系电话</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Marital status</source>
      <translation>婚姻状况</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>Community</source>
      <translation>社区</translation>
    </message>
    <message>
      <source>District</source>
      <translation>区县</translation>
    </message>
    <message>
      <source>Arrival date</source>
      <translation>来本市日期</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>居住事由</translation>
    </message>
    <message>
      <source>Services</source>
      <translation>服务</translation>
    </message>
    <message>
      <source>Members</source>
      <translation>家庭成员</translation>
    </message>
    <message>
      <source>Applicant</source>
      <translation>申请人</translation>
    </message>
    <message>
      <source>Residence</source>
      <translation>居住信息</translation>
    </message>
    <message>
      <source>Dwelling</source>
      <translation>住所类型</translation>
    </message>
    <message>
      <source>Employer</source>
      <translation>就业单位</translation>
    </message>
    <message>
      <source>Guardian</source>
      <translation>监护人</translation>
    </message>
  </context>
  <context>
    <name>kinds</name>
    <message>
      <source>New registration</source>
      <translation>居住登记</translation>
    </message>
    <message>
      <source>Endorsement</source>
      <translation>签注</translation>
    </message>
    <message>
      <source>Change</source>
      <translation>变更</translation>
    </message>
    <message>
      <source>Replacement</source>
      <translation>补换领</translation>
    </message>
    <message>
      <source>Move-out</source>
      <translation>注销</translation>
    </message>
  </context>
  <context>
    <name>service</name>
    <message>
      <source>The photo does not meet the card standard</source>
      <translation>照片不符合制证标准</translation>
    </message>
    <message>
      <source>The address could not be verified</source>
      <translation>地址无法核实</translation>
    </message>
    <message>
      <source>The service holds another version of this record: a supervisor settles it with the service</source>
      <translation>中心已有此记录的另一版本：由站长与中心协调处理</translation>
    </message>
    <message>
      <source>The photo did not arrive with the record</source>
      <translation>照片未随记录送达</translation>
    </message>
    <message>
      <source>The record arrived damaged; it is sent again</source>
      <translation>记录传输损坏，将重新发送</translation>
    </message>
    <message>
      <source>The photo is larger than the service accepts: take the photo again</source>
      <translation>照片超过中心服务允许的大小：请重新拍照</translation>
    </message>
    <message>
      <source>The photo is not a JPEG picture: take the photo again</source>
      <translation>照片不是 JPEG 图片：请重新拍照</translation>
    </message>
    <message>
      <source>Set aside: the record is larger than the service accepts (its photo?); take the photo again and save</source>
      <translation>已暂缓发送：记录超过中心服务允许的大小（可能是照片）；请重新拍照并保存</translation>
    </message>
    <message>
      <source>A card is produced from this record: add the applicant's photo</source>
      <translation>该记录需要制证：请补充申请人照片</translation>
    </message>
  </context>
  <context>
    <name>states</name>
    <message>
      <source>Saved</source>
      <translation>已保存</translation>
    </message>
    <message>
      <source>Waiting for a photo</source>
      <translation>待补照片</translation>
    </message>
    <message>
      <source>Waiting to send</source>
      <translation>待上传</translation>
    </message>
    <message>
      <source>Accepted</source>
      <translation>已接收</translation>
    </message>
    <message>
      <source>Rejected</source>
      <translation>被退回</translation>
    </message>
    <message>
      <source>Conflict</source>
      <translation>冲突待处理</translation>
    </message>
    <message>
      <source>Received centrally</source>
      <translation>中心已接收</translation>
    </message>
    <message>
      <source>In production</source>
      <translation>制证中</translation>
    </message>
    <message>
      <source>Card produced</source>
      <translation>已制证</translation>
    </message>
    <message>
      <source>Ready for pickup</source>
      <translation>待领证</translation>
    </message>
    <message>
      <source>Collected</source>
      <translation>已领证</translation>
    </message>
  </context>
</TS>