<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
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
    <name>DesktopSession</name>
    <message>
      <source>Station %1</source>
      <translation>站点 %1</translation>
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
      <source>Log out</source>
      <translation>退出登录</translation>
    </message>
    <message>
      <source>Search by ID number, name, phone or application number</source>
      <translation>按身份证号、姓名、电话或申请编号查找</translation>
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
      <source>%1 found</source>
      <translation>找到 %1 条</translation>
    </message>
    <message>
      <source>Latest applications</source>
      <translation>最近的申请</translation>
    </message>
    <message>
      <source>Something went wrong</source>
      <translation>出现问题</translation>
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
    <name>states</name>
    <message>
      <source>Saved</source>
      <translation>已保存</translation>
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
  </context>
</TS>